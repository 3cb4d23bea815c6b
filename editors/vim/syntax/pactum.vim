" Vim syntax file
" Language: pactum policy library (.policy); grammar/policy.pest, docs/language.md
" The TextMate grammar editors/vscode/syntaxes/pactum.tmLanguage.json is the fuller one;
" this is a small syntax for Vim and Neovim (which do not read TextMate grammars).
if exists('b:current_syntax')
  finish
endif

syntax iskeyword a-z,A-Z,48-57,_
syntax case match

" Comments
syntax keyword pactumTodo TODO FIXME XXX NOTE contained
syntax match pactumComment "//.*$" contains=pactumTodo,@Spell
syntax region pactumBlockComment start="/\*" end="\*/" contains=pactumTodo,@Spell

" Items: the keyword, then the name it declares
syntax keyword pactumDeclaration entity enum type step fact def nextgroup=pactumDeclName skipwhite
syntax keyword pactumDeclaration rule nextgroup=pactumRuleId skipwhite
syntax match pactumDeclName "\<[A-Za-z_][A-Za-z0-9_]*\>" contained
syntax match pactumRuleId "\<[A-Za-z_][A-Za-z0-9_]*\%(\.[A-Za-z_][A-Za-z0-9_]*\)*\>" contained

" Rule clauses
syntax keyword pactumClause severity nextgroup=pactumSeverity skipwhite
syntax keyword pactumSeverity error warning note contained
syntax keyword pactumClause cite on as because excludes
syntax keyword pactumClause allow nextgroup=pactumLint skipwhite
syntax match pactumLint "\<[A-Za-z][A-Za-z0-9-]*" contained
syntax keyword pactumClause message help label nextgroup=pactumInterpolated skipwhite skipnl
syntax keyword pactumControl when unless forbid require each where match if then else any all
syntax keyword pactumOperatorWord in not is has
syntax keyword pactumScope proposal
syntax match pactumPeriod "\<\%(from\|until\)\>\ze\s\+\d"

" Types, built-ins, literals
syntax keyword pactumType bool int string date set list
syntax keyword pactumBuiltin count days entities in_force steps
syntax keyword pactumBuiltinVar as_of
syntax keyword pactumBoolean true false
syntax match pactumNumber "\%(\<\|-\)\d\+\>"
syntax match pactumDate "\<\d\{4}-\d\{2}-\d\{2}\>"
syntax match pactumOperator "==\|!=\|<=\|>=\|&&\|||\|=>\|[<>!|&=?-]"

" Strings: `{expr}` interpolation and `{{ }}` in message, help and label only
syntax match pactumEscape +\\["\\nt]+ contained
syntax match pactumBadEscape +\\[^"\\nt]+ contained
syntax region pactumString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=pactumEscape,pactumBadEscape,@Spell
syntax match pactumBraceEscape "{{\|}}" contained
syntax region pactumInterpolation matchgroup=pactumInterpolationDelim start="{\ze[^{]" end="}" end=+\ze"+ contained contains=pactumOperatorWord,pactumControl,pactumBuiltin,pactumBuiltinVar,pactumNumber,pactumDate,pactumBoolean,pactumOperator
syntax region pactumInterpolated start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contained contains=pactumEscape,pactumBadEscape,pactumBraceEscape,pactumInterpolation,@Spell

highlight default link pactumTodo Todo
highlight default link pactumComment Comment
highlight default link pactumBlockComment Comment
highlight default link pactumDeclaration Keyword
highlight default link pactumDeclName Identifier
highlight default link pactumRuleId Function
highlight default link pactumClause Keyword
highlight default link pactumSeverity Constant
highlight default link pactumLint Constant
highlight default link pactumControl Conditional
highlight default link pactumOperatorWord Operator
highlight default link pactumScope Keyword
highlight default link pactumPeriod Keyword
highlight default link pactumType Type
highlight default link pactumBuiltin Function
highlight default link pactumBuiltinVar Constant
highlight default link pactumBoolean Boolean
highlight default link pactumNumber Number
highlight default link pactumDate Number
highlight default link pactumOperator Operator
highlight default link pactumEscape SpecialChar
highlight default link pactumBadEscape Error
highlight default link pactumString String
highlight default link pactumInterpolated String
highlight default link pactumBraceEscape SpecialChar
highlight default link pactumInterpolationDelim Delimiter

let b:current_syntax = 'pactum'
