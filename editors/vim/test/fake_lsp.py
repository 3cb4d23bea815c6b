"""A stand-in language server for test/nvim_lsp.sh: answers `initialize` and `shutdown`,
publishes one diagnostic for each document it is given, and logs every message it gets
(method and document) to the file named by its first argument, one JSON object a line."""
import json
import sys


def read():
    headers = {}
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            return None
        line = line.decode("ascii").strip()
        if not line:
            break
        key, value = line.split(":", 1)
        headers[key.lower()] = value.strip()
    return json.loads(sys.stdin.buffer.read(int(headers["content-length"])))


def send(message):
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def main():
    with open(sys.argv[1], "a", encoding="utf-8") as log:
        while True:
            message = read()
            if message is None:
                return
            document = (message.get("params") or {}).get("textDocument") or {}
            log.write(json.dumps({"method": message.get("method"), "uri": document.get("uri"),
                                  "languageId": document.get("languageId")}) + "\n")
            log.flush()
            method = message.get("method")
            if method == "initialize":
                send({"jsonrpc": "2.0", "id": message["id"],
                      "result": {"capabilities": {"textDocumentSync": 1}}})
            elif method == "textDocument/didOpen":
                send({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
                      "params": {"uri": document["uri"], "diagnostics": [{
                          "range": {"start": {"line": 0, "character": 0},
                                    "end": {"line": 0, "character": 1}},
                          "severity": 1, "code": "stand.in", "message": "from the stand-in server"}]}})
            elif method == "shutdown":
                send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif method == "exit":
                return


main()
