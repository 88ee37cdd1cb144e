#!/bin/bash
# CLI connectivity test: is the socket there, and does the orchestrator answer?
# Usage: connectivity_test.sh [SOCKET]
# SOCKET defaults to $ORCHESTRATOR_SOCKET_PATH, else /tmp/orchestrator.sock.
# ORCHESTRATOR may name the client command (default: orchestrator), e.g.
# ORCHESTRATOR="deno run -A cli.ts".
ORCHESTRATOR=${ORCHESTRATOR:-orchestrator}
SOCKET="${1:-${ORCHESTRATOR_SOCKET_PATH:-/tmp/orchestrator.sock}}"

echo "Testing CLI connectivity..."

if [ -S "$SOCKET" ]; then
    echo "Socket exists: $SOCKET"

    if $ORCHESTRATOR stats "$SOCKET" > /dev/null 2>&1; then
        echo "CLI connection successful"
    else
        echo "CLI connection failed"
        exit 1
    fi
else
    echo "Socket not found: $SOCKET"
    exit 1
fi
