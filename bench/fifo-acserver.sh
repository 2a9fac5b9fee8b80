#!/usr/bin/env bash
# A bench-only stand-in acServer (acws --acserver bench/fifo-acserver.sh): prints each line written to the
# named pipe $BENCH_ACSERVER_FIFO the moment it arrives (no polling), so the fan-out figure measures acws only.
# Opening the pipe read-write keeps it open between writers. SIGTERM (acws's `server stop`) ends it.
exec 3<>"${BENCH_ACSERVER_FIFO:?set BENCH_ACSERVER_FIFO}"
echo "Assetto Corsa Dedicated Server v1.15 (bench stand-in)"
while IFS= read -r line <&3; do
  printf '%s\n' "$line"
done
