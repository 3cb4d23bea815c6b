" Vim syntax file
" Language: pactum proposal (.proposal); grammar/proposal.pest, docs/proposals.md
if exists('b:current_syntax')
  finish
endif

syntax iskeyword a-z,A-Z,48-57,_
syntax case match

syntax keyword pactumProposalTodo TODO FIXME XXX NOTE contained
syntax match pactumProposalComment "//.*$" contains=pactumProposalTodo,@Spell

" `proposal ID {` and `step ID: KIND {`
syntax match pactumProposalHeader "^\s*\zsproposal\>" nextgroup=pactumProposalId skipwhite
syntax match pactumProposalStep "^\s*\zsstep\>" nextgroup=pactumProposalStepId skipwhite
syntax match pactumProposalId +\%([A-Za-z0-9_.-]\+\|"\%([^"\\]\|\\.\)*"\)+ contained
syntax match pactumProposalStepId +\%([A-Za-z0-9_.-]\+\|"\%([^"\\]\|\\.\)*"\)+ contained nextgroup=pactumProposalColon skipwhite
syntax match pactumProposalColon ":" contained nextgroup=pactumProposalKind skipwhite
syntax match pactumProposalKind +\%([A-Za-z_][A-Za-z0-9_]*\|"\%([^"\\]\|\\.\)*"\)+ contained

" Keys (the reserved ones apart), values
syntax match pactumProposalKey "\<[A-Za-z_][A-Za-z0-9_]*\ze\s*:"
syntax match pactumProposalReserved "\<\%(id\|kind\|date\|note\|title\)\ze\s*:"
syntax keyword pactumProposalBoolean true false
syntax match pactumProposalNumber "\%(\<\|-\)\d\+\>"
syntax match pactumProposalDate "\<\d\+\%(-\d\+\)\+\>"
syntax match pactumProposalEscape +\\\%(["\\nrt]\|u{\x\{1,6}}\)+ contained
syntax match pactumProposalBadEscape +\\\%(["\\nrt]\|u{\x\{1,6}}\)\@!.+ contained
syntax region pactumProposalString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=pactumProposalEscape,pactumProposalBadEscape,@Spell

highlight default link pactumProposalTodo Todo
highlight default link pactumProposalComment Comment
highlight default link pactumProposalHeader Keyword
highlight default link pactumProposalStep Keyword
highlight default link pactumProposalId Function
highlight default link pactumProposalStepId Function
highlight default link pactumProposalKind Type
highlight default link pactumProposalKey Identifier
highlight default link pactumProposalReserved Special
highlight default link pactumProposalBoolean Boolean
highlight default link pactumProposalNumber Number
highlight default link pactumProposalDate Number
highlight default link pactumProposalEscape SpecialChar
highlight default link pactumProposalBadEscape Error
highlight default link pactumProposalString String

let b:current_syntax = 'pactum-proposal'
