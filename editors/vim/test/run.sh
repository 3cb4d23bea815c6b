#!/bin/sh
# Runs the Vim syntax tests (test/syntax_test.vim) with Vim, or with the editor named by
# VIM_BIN (e.g. VIM_BIN=nvim), in silent Ex mode, with only editors/vim on the runtimepath,
# and prints what they found.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vim_bin=${VIM_BIN:-vim}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$vim_bin" -N -u NONE -i NONE -n -es \
  -c "set runtimepath^=$here/.. encoding=utf-8" \
  -c "let g:pactum_test_out = '$out'" \
  -c "runtime ftdetect/pactum.vim" \
  -c "filetype plugin on" -c "syntax on" \
  -S "$here/syntax_test.vim" < /dev/null || status=$?
if [ ! -s "$out" ]; then
  echo "vim-syntax: $vim_bin wrote no result (exit $status)" >&2
  exit 1
fi
cat "$out"
exit "$status"
