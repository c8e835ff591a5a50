#!/bin/bash
# compares the run folders of two scripts/reproduce-runs.sh outputs: checkpoints and network files byte for byte, metrics.jsonl without timings
A=$1; B=$2
for r in ps psc psr xs xsm xsn xsr; do
  c=$(cmp -s $A/$r/checkpoint.safetensors $B/$r/checkpoint.safetensors && echo same || echo DIFF)
  m=$(diff <(python3 -c "
import json,sys
for l in open('$A/$r/metrics.jsonl'):
  d=json.loads(l); [d.pop(k,None) for k in list(d) if 'second' in k or 'seconds' in k]; print(json.dumps(d,sort_keys=True))") <(python3 -c "
import json,sys
for l in open('$B/$r/metrics.jsonl'):
  d=json.loads(l); [d.pop(k,None) for k in list(d) if 'second' in k or 'seconds' in k]; print(json.dumps(d,sort_keys=True))") >/dev/null && echo same || echo DIFF)
  n=$(cmp -s $A/$r/network.drn.safetensors $B/$r/network.drn.safetensors 2>/dev/null && echo same || echo "-")
  echo "$r checkpoint=$c metrics=$m network=$n"
done
