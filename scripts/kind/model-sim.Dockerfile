# model-sim in place of vLLM: `vllm serve <model> --flag value ...` is what the operator runs, so
# the image ships a `vllm` script that keeps the flags model-sim shares with vLLM and drops the rest.
FROM eclipse-temurin:17-jre
COPY model-sim.jar /opt/model-sim.jar
RUN printf '%s\n' '#!/bin/sh' \
  'shift; shift  # "serve <model>"' \
  'args=""' \
  'while [ $# -gt 0 ]; do case "$1" in' \
  '  --served-model-name|--max-num-seqs|--max-model-len|--port|--seed|--host) args="$args $1 $2"; shift 2;;' \
  '  --*=*) shift;; --enable-prefix-caching|--no-enable-prefix-caching) shift;;' \
  '  --*) shift; [ $# -gt 0 ] && case "$1" in --*) ;; *) shift;; esac;;' \
  '  *) shift;; esac; done' \
  'exec java -jar /opt/model-sim.jar --startup-delay ${SIM_STARTUP_DELAY:-30s} $args' > /usr/local/bin/vllm \
  && chmod +x /usr/local/bin/vllm
USER 1000
