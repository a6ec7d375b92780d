#!/usr/bin/env python3
"""Writes one large profile that the splitter divides, to time `cmdm check`, `split` and `explain`:

  gen_split_inputs.py custom N OUT   one custom-settings payload, one domain, N keys
  gen_split_inputs.py tcc N OUT      one privacy-preferences payload, N app entries
  gen_split_inputs.py dict N OUT     one app-domain payload with N integer keys

bench/splitter_bench.cc builds the same shapes in memory."""
import plistlib, sys, uuid
kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ns = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
def u(s): return str(uuid.uuid5(ns, s)).upper()
if kind == "custom":
    settings = {f"Setting{i:05d}": f"value-{i}" for i in range(n)}
    payload = {"PayloadType": "com.apple.ManagedClient.preferences",
               "PayloadIdentifier": "com.example.big.mcx", "PayloadUUID": u("mcx"), "PayloadVersion": 1,
               "PayloadContent": {"com.example.app": {"Forced": [{"mcx_preference_settings": settings}]}}}
elif kind == "tcc":
    entries = [{"Identifier": f"com.example.app{i}", "IdentifierType": "bundleID",
                "CodeRequirement": f'identifier "com.example.app{i}" and anchor apple generic',
                "Allowed": True} for i in range(n)]
    payload = {"PayloadType": "com.apple.TCC.configuration-profile-policy",
               "PayloadIdentifier": "com.example.big.tcc", "PayloadUUID": u("tcc"), "PayloadVersion": 1,
               "Services": {"SystemPolicyAllFiles": entries}}
elif kind == "dict":
    payload = {"PayloadType": "com.example.bigapp", "PayloadIdentifier": "com.example.big.app",
               "PayloadUUID": u("app"), "PayloadVersion": 1}
    for i in range(n): payload[f"Key{i:06d}"] = i
profile = {"PayloadDisplayName": "Big", "PayloadIdentifier": "com.example.big", "PayloadUUID": u("top"),
           "PayloadType": "Configuration", "PayloadVersion": 1, "PayloadContent": [payload]}
with open(out, "wb") as f: plistlib.dump(profile, f, sort_keys=False)
