#!/usr/bin/env bash
# Runs the shared decoder vectors (../shared beside the project) through
# check-vectors. Skips (exit 77) when they are not there: the project's own
# regression suite stands without them.
set -u
decoder=${1:?usage: shared-vectors.sh HANP1D}
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$top/../shared
if [ ! -x "$shared/tools/check-vectors" ] || [ ! -d "$shared/vectors" ]; then
	echo "shared vectors not found beside the project: skipped"
	exit 77
fi
exec "$shared/tools/check-vectors" --decoder "$decoder" "$shared/vectors/real" "$shared/vectors/synthetic"
