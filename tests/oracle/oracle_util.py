"""What the oracle scripts share: type-exact comparison of plistlib values, and taking the
profile out of a CMS-signed file with openssl (not with cmdm, which is what is being checked)."""
import math
import subprocess


def same(a, b):
    """Type-exact deep equality: True != 1, 1 != 1.0, 0.0 != -0.0; NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (math.isnan(a) and math.isnan(b))
    return a == b


def unwrap_cms(raw):
    """The content of DER CMS SignedData `raw`, without checking the signature; None on failure."""
    r = subprocess.run(["openssl", "cms", "-verify", "-noverify", "-inform", "DER", "-binary"],
                       input=raw, capture_output=True, check=False)
    return r.stdout if r.returncode == 0 else None
