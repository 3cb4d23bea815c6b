" pactum: policy libraries (.policy) and proposals (.proposal).
" The filetypes are the language ids of the VS Code extension and of the LSP setup
" snippets in docs/editors.md: `pactum` and `pactum-proposal`.
autocmd BufRead,BufNewFile *.policy setfiletype pactum
autocmd BufRead,BufNewFile *.proposal setfiletype pactum-proposal
