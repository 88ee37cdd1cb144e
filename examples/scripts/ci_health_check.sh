#!/bin/bash
# Health check in CI/CD: wait until the orchestrator is up, then check how
# many agents are up.
# Env: EXPECTED_AGENTS (default 10), WAIT_SECONDS (default 60),
# ORCHESTRATOR (default: orchestrator), ORCHESTRATOR_SOCKET_PATH.
# Needs jq.
ORCHESTRATOR=${ORCHESTRATOR:-orchestrator}
EXPECTED_AGENTS=${EXPECTED_AGENTS:-10}

# Wait for the orchestrator and every autostart agent to be up
if ! $ORCHESTRATOR status --wait --timeout "${WAIT_SECONDS:-60}" > /dev/null; then
  echo "Orchestrator not ready"
  exit 1
fi

# Check all agents are running (ready and completed count as up)
agents=$($ORCHESTRATOR ps --json |
  jq '[.data.agents[] | select(.state == "running" or .state == "ready" or .state == "completed")] | length')

if [ "$agents" -eq "$EXPECTED_AGENTS" ]; then
  echo "All agents running"
  exit 0
else
  echo "Only $agents agents running"
  exit 1
fi
