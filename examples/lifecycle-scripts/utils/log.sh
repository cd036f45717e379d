#!/bin/bash
# log prints a timestamped line to the lifecycle log.
log() { printf '%s [lifecycle] %s\n' "$(date -u +%FT%TZ)" "$*"; }
