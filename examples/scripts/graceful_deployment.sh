#!/bin/bash
# Graceful deployment: shut the orchestrator down, wait until it is gone, deploy.
# Env: ORCHESTRATOR (default: orchestrator), ORCHESTRATOR_SOCKET_PATH,
# DEPLOY_CMD (default: ./deploy_new_version.sh), POLL_SECONDS (default 2).
ORCHESTRATOR=${ORCHESTRATOR:-orchestrator}

# 1. Check current status
$ORCHESTRATOR status || exit 1

# 2. Initiate graceful shutdown
$ORCHESTRATOR shutdown || exit 1

# 3. Wait for completion. While it shuts down the orchestrator still answers
#    (503, exit code 1); exit code 3 means the socket is gone: it is done.
while true; do
  $ORCHESTRATOR status > /dev/null 2>&1
  [ $? -eq 3 ] && break
  echo "Waiting for shutdown..."
  sleep "${POLL_SECONDS:-2}"
done

# 4. Deploy new version
${DEPLOY_CMD:-./deploy_new_version.sh}
