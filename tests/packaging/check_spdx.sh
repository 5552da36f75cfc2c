#!/bin/sh
# SPDX-License-Identifier: MIT
# Every source file of the project carries an SPDX license line near its top
# (LICENSE is MIT). Usage: check_spdx.sh SOURCE_DIR. Lists the files without
# one and fails; generated and data files (fuzz corpora, fixtures, JSON) are
# not sources.
set -eu
cd "$1"
missing=$(find . \( -path ./build -o -path './build-*' -o -path ./.git -o -path ./fuzz/corpus \
                   -o -path ./fuzz/regressions -o -path ./tests/fixtures -o -name node_modules \) -prune -o \
               -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.cmake' -o -name CMakeLists.txt \
                          -o -name '*.sh' -o -name '*.py' -o -name '*.mjs' -o -name '*.in' \
                          -o -name '*.service' -o -name '*.html' -o -name '*.yml' \) -print |
          while read -r f; do
            head -n 3 "$f" | grep -q 'SPDX-License-Identifier: MIT' || echo "$f"
          done)
if [ -n "$missing" ]; then
  echo "files without 'SPDX-License-Identifier: MIT' in their first 3 lines:"
  echo "$missing"
  exit 1
fi
echo "every source file has its SPDX line"
