-- End-to-end test of `pactum lsp` in a real editor: Neovim 0.7 (Debian's), headless.
-- Run by tests/lsp_nvim.rs as
--   nvim --headless --clean -u NONE -c 'luafile tests/nvim/e2e.lua'
-- with PACTUM_BIN (the binary), PACTUM_PROPOSAL (the file to open) and PACTUM_NVIM_OUT
-- (where to write the result: "ok" or "fail", then what was seen). Neovim exits 0 when
-- every assertion holds, 1 otherwise.

local out = os.getenv("PACTUM_NVIM_OUT")
local log = {}

local function say(line)
  table.insert(log, line)
end

local function finish(ok)
  local f = io.open(out, "w")
  f:write((ok and "ok" or "fail") .. "\n" .. table.concat(log, "\n") .. "\n")
  f:close()
  if ok then
    vim.cmd("qall!")
  else
    vim.cmd("cquit! 1")
  end
end

local ok, err = pcall(function()
  local bin = assert(os.getenv("PACTUM_BIN"), "PACTUM_BIN is set")
  local file = assert(os.getenv("PACTUM_PROPOSAL"), "PACTUM_PROPOSAL is set")
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "pactum",
    cmd = { bin, "lsp" },
    root_dir = vim.fn.fnamemodify(file, ":p:h"),
  })
  assert(client_id, "the client starts")
  assert(vim.lsp.buf_attach_client(buf, client_id), "the buffer is attached")

  -- Diagnostics: the Caspian violation at turkey, line 15 (0-based 14), column 17.
  local arrived = vim.wait(60000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  assert(arrived, "diagnostics arrive")
  local found
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    say(string.format("diagnostic %s at %d:%d", tostring(code), d.lnum, d.col))
    if code == "caspian.non_littoral_forces" then
      found = d
    end
  end
  assert(found, "caspian.non_littoral_forces is reported")
  assert(found.lnum == 14 and found.col == 17, "at line 15, column 18")
  assert(found.severity == vim.diagnostic.severity.ERROR, "as an error")

  -- Hover on `turkey`.
  local uri = vim.uri_from_bufnr(buf)
  local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = { uri = uri },
    position = { line = 14, character = 19 },
  }, 30000)
  local text = hover and hover[client_id] and hover[client_id].result
    and hover[client_id].result.contents.value
  say("hover: " .. tostring(text))
  assert(text and text:find("entity `turkey`", 1, true), "the hover shows the entity")

  -- Formatting: the example is already formatted (no edits).
  local client = vim.lsp.get_client_by_id(client_id)
  if client.server_capabilities.documentFormattingProvider then
    local fmt = vim.lsp.buf_request_sync(buf, "textDocument/formatting", {
      textDocument = { uri = uri },
      options = { tabSize = 2, insertSpaces = true },
    }, 30000)
    local res = fmt and fmt[client_id]
    assert(res and not res.err, "formatting answers")
    local edits = res.result or {}
    say("formatting: " .. #edits .. " edits")
    assert(#edits == 0, "the example is already formatted")

    -- Unformat the step's line, then format the buffer: the edits, applied by Neovim, give
    -- the file back.
    local original = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    vim.api.nvim_buf_set_lines(buf, 14, 15, false, { "participants:[turkey,azerbaijan,kazakhstan]" })
    local again = vim.lsp.buf_request_sync(buf, "textDocument/formatting", {
      textDocument = { uri = uri },
      options = { tabSize = 2, insertSpaces = true },
    }, 30000)
    local edits2 = again and again[client_id] and again[client_id].result or {}
    assert(#edits2 > 0, "the changed line is formatted")
    vim.lsp.util.apply_text_edits(edits2, buf, "utf-16")
    local now = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    assert(vim.deep_equal(now, original), "formatting gives the example back")
    say("formatting an unformatted line: " .. #edits2 .. " edits, the file back")
  else
    say("formatting: not offered")
  end

  vim.lsp.stop_client(client_id)
end)

if not ok then
  say("error: " .. tostring(err))
end
finish(ok)
