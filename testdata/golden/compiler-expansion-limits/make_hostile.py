"""Writes the hostile templates of the golden case: cmdm:each nested six deep over a 100-item
list (10^12 strings if nothing stopped it, from a 430-byte file), a 1 MiB variable inserted in
100,000 strings, and the same variable 100,000 times in one string."""
import json

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n' \
       '\t<key>PayloadIdentifier</key>\n\t<string>com.example.hostile</string>\n' \
       '\t<key>PayloadContent</key>\n\t<array/>\n'
TAIL = '</dict>\n</plist>\n'

inner = '<string cmdm:each="f in l">x</string>'
for name in 'edcba':
    inner = f'<array cmdm:each="{name} in l">{inner}</array>'
with open('each.mobileconfig', 'w') as f:
    f.write(HEAD + f'\t<key>Nested</key>\n\t<array>{inner}</array>\n' + TAIL)

copies = ''.join('\t\t<string>{{ s }}</string>\n' for _ in range(100000))
with open('copies.mobileconfig', 'w') as f:
    f.write(HEAD + '\t<key>Copies</key>\n\t<array>\n' + copies + '\t</array>\n' + TAIL)
with open('one-string.mobileconfig', 'w') as f:
    f.write(HEAD + '\t<key>Copies</key>\n\t<string>' + '{{ s }}' * 100000 + '</string>\n' + TAIL)

with open('list.json', 'w') as f:
    json.dump({'l': list(range(100))}, f)
with open('big.json', 'w') as f:
    json.dump({'s': 's' * (1 << 20)}, f)
