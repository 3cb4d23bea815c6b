" Tests of the Vim syntax files: opens files, and checks the syntax group at tokens.
" Run by test/run.sh (vim or nvim in silent Ex mode), which sets g:pactum_test_out: the file
" this writes the failures and `vim syntax: N passed, N failed` to.
let s:passed = 0
let s:failed = []
let s:root = fnamemodify(expand('<sfile>:p'), ':h:h:h:h')

" Checks that the `nth` (1-based) occurrence of `token` on the first line containing
" `line` has the syntax group `group` (a linked group's own name).
function! s:Expect(line, token, group, ...) abort
  let nth = a:0 > 0 ? a:1 : 1
  let lnum = search('\V' . escape(a:line, '\'), 'cw')
  if lnum == 0
    call add(s:failed, printf('%s: no line with %s', expand('%:t'), string(a:line)))
    return
  endif
  let text = getline(lnum)
  let col = -1
  for i in range(nth)
    let col = stridx(text, a:token, col + 1)
  endfor
  if col < 0
    call add(s:failed, printf('%s:%d: no %s', expand('%:t'), lnum, string(a:token)))
    return
  endif
  let got = synIDattr(synID(lnum, col + 1, 1), 'name')
  if got ==# a:group
    let s:passed += 1
  else
    call add(s:failed, printf('%s:%d:%d: %s is %s, expected %s', expand('%:t'), lnum, col + 1, string(a:token), string(got), a:group))
  endif
endfunction

function! s:Open(file) abort
  execute 'edit! ' . fnameescape(s:root . '/' . a:file)
  call cursor(1, 1)
endfunction

" Filetype detection and the comment settings
call s:Open('policies/csto.policy')
if &filetype ==# 'pactum' && &commentstring ==# '// %s'
  let s:passed += 1
else
  call add(s:failed, 'csto.policy: filetype ' . &filetype . ', commentstring ' . &commentstring)
endif
call s:Expect('rule csto.foreign_base_consent {', 'rule', 'pactumDeclaration')
call s:Expect('rule csto.foreign_base_consent {', 'csto.foreign_base_consent', 'pactumRuleId')
call s:Expect('  severity error', 'severity', 'pactumClause')
call s:Expect('  severity error', 'error', 'pactumSeverity')
call s:Expect('  on base as s', 'as s', 'pactumClause')
call s:Expect('  require all m in', 'require', 'pactumControl')
call s:Expect('  require all m in', 'in', 'pactumOperatorWord')
call s:Expect('o not in csto.members', 'not', 'pactumOperatorWord')
call s:Expect('  message "base {s.id} in', 'base', 'pactumInterpolated')
call s:Expect('  message "base {s.id} in', '{', 'pactumInterpolationDelim')
call s:Expect('  message "base {s.id} in', 's.id', 'pactumInterpolation')
call s:Expect('consultation {{ host', '{{', 'pactumBraceEscape')
call s:Expect('// The Collective Security', 'Collective', 'pactumComment')
call s:Expect('def csto_participants(s)', 'csto_participants', 'pactumDeclName')

call s:Open('policies/world.policy')
call s:Expect('uzbekistan from 2006-08-16 until 2012-12-19', 'from', 'pactumPeriod')
call s:Expect('uzbekistan from 2006-08-16 until 2012-12-19', '2006-08-16', 'pactumDate')
call s:Expect('fact turkey: State { name: "Türkiye" }', 'Türkiye', 'pactumString')

call s:Open('editors/vscode/test/grammar/policy.tmtest')
set filetype=pactum
call s:Expect('  founded: date?, size: int = 0', 'int', 'pactumType')
call s:Expect('  founded: date?, size: int = 0', '0', 'pactumNumber')
call s:Expect('  founded: date?, size: int = 0', 'true', 'pactumBoolean')
call s:Expect('step stepper { rule_x: int', 'rule_x', '')
call s:Expect('  note: "منظمة الدول التركية"', '//', 'pactumString')
call s:Expect('/* a block comment', 'block', 'pactumBlockComment')
call s:Expect('  allow redundant-rule because', 'redundant-rule', 'pactumLint')
call s:Expect('bad: "\q"', '\q', 'pactumBadEscape')
call s:Expect('def busy = count(e in steps', 'count', 'pactumBuiltin')

call s:Open('policies/examples/trans-caspian-transit.proposal')
if &filetype ==# 'pactum-proposal' && &commentstring ==# '// %s'
  let s:passed += 1
else
  call add(s:failed, 'trans-caspian-transit.proposal: filetype ' . &filetype)
endif
call s:Expect('proposal trans-caspian-transit-2026 {', 'proposal', 'pactumProposalHeader')
call s:Expect('proposal trans-caspian-transit-2026 {', 'trans-caspian-transit-2026', 'pactumProposalId')
call s:Expect('  title: "Military air transit Türkiye–Kazakhstan"', 'title', 'pactumProposalReserved')
call s:Expect('  title: "Military air transit Türkiye–Kazakhstan"', 'Türkiye', 'pactumProposalString')
call s:Expect('  date: 2026-06-01', '2026-06-01', 'pactumProposalDate')
call s:Expect('step f1: transit_flight {', 'step', 'pactumProposalStep')
call s:Expect('step f1: transit_flight {', 'f1', 'pactumProposalStepId')
call s:Expect('step f1: transit_flight {', 'transit_flight', 'pactumProposalKind')
call s:Expect('  operator: turkey', 'operator', 'pactumProposalKey')
call s:Expect('  operator: turkey', 'turkey', '')

call s:Open('editors/vscode/test/grammar/proposal.tmtest')
set filetype=pactum-proposal
call s:Expect('  count: 42, delta: -3', '42', 'pactumProposalNumber')
call s:Expect('  count: 42, delta: -3', '-3', 'pactumProposalNumber')
call s:Expect('  count: 42, delta: -3', 'false', 'pactumProposalBoolean')
call s:Expect('  stepper: step_one', 'stepper', 'pactumProposalKey')
call s:Expect('  stepper: step_one', 'dates', 'pactumProposalKey')
call s:Expect('  note: "first phase: see https://example.org//notes"', '//', 'pactumProposalString')
call s:Expect('\u{1F600} and a bad \x"', '\u{1F600}', 'pactumProposalEscape')
call s:Expect('\u{1F600} and a bad \x"', '\x', 'pactumProposalBadEscape')
call s:Expect('// The Caspian Shield exercise', 'Caspian', 'pactumProposalComment')

let s:out = copy(s:failed)
call add(s:out, printf('vim-syntax: %d passed, %d failed', s:passed, len(s:failed)))
call writefile(s:out, g:pactum_test_out)
if empty(s:failed)
  qall!
else
  cquit!
endif
