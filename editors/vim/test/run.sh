#!/bin/sh
# Runs the Vim syntax tests (test/syntax_test.vim) with Vim, or with the editor named by
# VIM_BIN (e.g. VIM_BIN=nvim), in silent Ex mode, with only editors/vim on the runtimepath.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vim_bin=${VIM_BIN:-vim}
exec "$vim_bin" -N -u NONE -i NONE -n -es \
  -c "set runtimepath^=$here/.. encoding=utf-8" \
  -c "runtime ftdetect/pactum.vim" \
  -c "filetype plugin on" -c "syntax on" \
  -S "$here/syntax_test.vim"
