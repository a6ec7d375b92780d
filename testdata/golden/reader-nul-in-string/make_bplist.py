"""Writes two well-formed bplist00 files that hold U+0000: nul-string.bplist
({"PayloadContent": ["a\0b"]}) and nul-key.bplist ({"k\0": true}), built byte by byte."""


def bplist(objects, offsets):
    out = b'bplist00' + objects
    table = len(out)
    out += bytes(offsets)
    trailer = bytes(6) + bytes([1, 1]) + len(offsets).to_bytes(8, 'big') + bytes(8) + \
        table.to_bytes(8, 'big')
    return out + trailer


# 0: dict {1: 2} at 8; 1: "PayloadContent" at 11; 2: array [3] at 26; 3: "a\0b" at 28.
with open('nul-string.bplist', 'wb') as f:
    f.write(bplist(b'\xD1\x01\x02' + b'\x5EPayloadContent' + b'\xA1\x03' + b'\x53a\x00b',
                   [8, 11, 26, 28]))
# 0: dict {1: 2} at 8; 1: UTF-16 "k\0" at 11; 2: true at 16.
with open('nul-key.bplist', 'wb') as f:
    f.write(bplist(b'\xD1\x01\x02' + b'\x62\x00k\x00\x00' + b'\x09', [8, 11, 16]))
