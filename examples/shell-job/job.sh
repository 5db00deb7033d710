#!/bin/sh
# A sample batch job in POSIX sh, with the shell reporter (src/container/sh/aci-batch-report): WORK_STEPS steps of
# STEP_MS milliseconds, progress after each, then completion, or failure with FAIL_EXIT_CODE on the attempts
# listed in FAIL_ON_ATTEMPTS ("1" fails the first attempt and succeeds after a restart).
set -eu

# the repository's reporter when run from a checkout (as the ACI emulator does), else the image's on PATH
here=$(dirname "$0")
reporter="$here/../../src/container/sh/aci-batch-report"
[ -f "$reporter" ] || reporter=$(command -v aci-batch-report) || {
  echo 'aci-batch-report is neither beside this script nor on PATH' >&2
  exit 2
}
report() { sh "$reporter" "$@"; }

steps=${WORK_STEPS:-5}
step_ms=${STEP_MS:-200}
fail_exit_code=${FAIL_EXIT_CODE:-1}
: "${ACI_BATCH_RUN_ID:?this container must be started by aci-batch}"

# every report from now on names this attempt, so a late one never settles the next attempt
ACI_BATCH_REPORT_ATTEMPT=$(report attempt)
export ACI_BATCH_REPORT_ATTEMPT
attempt=$ACI_BATCH_REPORT_ATTEMPT
echo "run $ACI_BATCH_RUN_ID, attempt $attempt: $steps steps of $step_ms ms"

step=1
while [ "$step" -le "$steps" ]; do
  # fractional seconds: GNU, BusyBox and BSD sleep take them
  sleep "$((step_ms / 1000)).$(printf '%03d' $((step_ms % 1000)))"
  percent=$((100 * step / steps))
  echo "step $step/$steps done"
  report progress "$percent" "step $step/$steps"
  step=$((step + 1))
done

case ",${FAIL_ON_ATTEMPTS:-}," in
  *",$attempt,"*)
    message="told to fail on attempt $attempt"
    echo "$message" >&2
    report fail "$fail_exit_code" "$message"
    exit "$fail_exit_code"
    ;;
esac

# the last line before the report: once it is accepted, the run reads the log tail and removes the group
echo completed
report complete 'all steps done' "{\"steps\":$steps,\"attempt\":$attempt,\"language\":\"sh\"}"
