#!/bin/sh
# Runs the Neovim 0.7 setup of docs/editors.md (the ```lua block after the line
# `<!-- tested: nvim 0.7 -->`) in headless Neovim, with the server command replaced by a
# stand-in server (fake_lsp.py), and checks that it sets the filetypes, starts one client
# for every pactum buffer (a policy, a proposal, a JSON proposal) and shows the
# diagnostics the server publishes. Without nvim it is skipped, unless
# PACTUM_REQUIRE_NVIM=1 (as in CI), when it fails.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
nvim_bin=${NVIM_BIN:-nvim}
if ! command -v "$nvim_bin" > /dev/null 2>&1; then
  if [ "${PACTUM_REQUIRE_NVIM:-}" = 1 ]; then
    echo "nvim not found, and PACTUM_REQUIRE_NVIM=1" >&2
    exit 1
  fi
  echo "nvim not found: the Neovim setup of docs/editors.md was not tried"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk '/^<!-- tested: nvim 0.7 -->$/ { mark = 1; next }
     mark && /^```lua$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$root/docs/editors.md" > "$tmp/setup.lua"
if ! grep -q "{ 'pactum', 'lsp' }" "$tmp/setup.lua"; then
  echo "docs/editors.md: no tested Lua block starting { 'pactum', 'lsp' }" >&2
  exit 1
fi
sed "s|{ 'pactum', 'lsp' }|{ 'python3', '$here/fake_lsp.py', '$tmp/server.log' }|" "$tmp/setup.lua" > "$tmp/init.lua"
echo '{ "id": "p", "steps": [] }' > "$tmp/x.proposal.json"

cat > "$tmp/check.lua" <<LUA
local lines = {}
local clients = {}
for _, f in ipairs({ '$root/policies/examples/caspian-shield.proposal', '$root/policies/csto.policy', '$tmp/x.proposal.json' }) do
  vim.cmd('edit ' .. vim.fn.fnameescape(f))
  local buf = vim.api.nvim_get_current_buf()
  vim.wait(5000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  for id, _ in pairs(vim.lsp.buf_get_clients(buf)) do clients[id] = true end
  table.insert(lines, string.format('%s: filetype %s, %d client, %d diagnostic', vim.fn.fnamemodify(f, ':t'),
    vim.bo.filetype, #vim.tbl_keys(vim.lsp.buf_get_clients(buf)), #vim.diagnostic.get(buf)))
end
table.insert(lines, string.format('clients in all: %d', #vim.tbl_keys(clients)))
vim.fn.writefile(lines, '$tmp/result.txt')
vim.cmd('qall!')
LUA

cat > "$tmp/expected.txt" <<TXT
caspian-shield.proposal: filetype pactum-proposal, 1 client, 1 diagnostic
csto.policy: filetype pactum, 1 client, 1 diagnostic
x.proposal.json: filetype json, 1 client, 1 diagnostic
clients in all: 1
TXT

(cd "$tmp" && timeout 60 "$nvim_bin" --headless --clean -u NONE -i NONE -n \
  -c "luafile $tmp/init.lua" -c "luafile $tmp/check.lua") > "$tmp/nvim.out" 2>&1 || true
if diff -u "$tmp/expected.txt" "$tmp/result.txt"; then
  echo "the Neovim setup of docs/editors.md, with $("$nvim_bin" --version | head -n 1):"
  echo "nvim-setup: 4 passed, 0 failed"
else
  cat "$tmp/nvim.out" >&2
  [ -f "$tmp/server.log" ] && cat "$tmp/server.log" >&2
  echo "nvim lsp setup: the Neovim 0.7 setup of docs/editors.md does not work" >&2
  exit 1
fi
