.traceEvents
| (map(select(.ph == "B" or .ph == "E" or .ph == "X" or .ph == "i")) | group_by([.pid, .tid])
   | map(. as $ev | reduce range(0; length) as $i ({depth: 0, ok: true, last: -1};
       $ev[$i] as $e
       | .ok = (.ok and ($e.ts >= .last)) | .last = $e.ts
       | if $e.ph == "B" then .depth += 1 elif $e.ph == "E" then .depth -= 1 | .ok = (.ok and .depth >= 0) else . end)
     | .ok and .depth == 0) | all)
  and (map(select(.ph == "b")) | length) == (map(select(.ph == "e")) | length)
