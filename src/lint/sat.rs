//! Boolean formulas and a small SAT solver, for the exact semantic lints.
//!
//! Formulas are hash-consed DAGs over input variables, simplified as they are built
//! (constants, double negation, `x && x`, `x && !x`). [`decide`] turns the part reachable from
//! a question's parts into clauses (Tseitin: one variable per input and per `&&`/`||` node
//! reached, nothing else) and decides them with batsat, a CDCL solver (MiniSat's algorithm:
//! conflict-driven learning, non-chronological backjumping, VSIDS, restarts), within a
//! budget of conflicts; the parts are assumptions, so an unsatisfiable answer says which
//! parts clash.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// A formula: an index into [`Fm`].
pub type F = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    False,
    True,
    Var(u32),
    Not(F),
    And(F, F),
    Or(F, F),
}

/// A formula builder (hash-consed).
#[derive(Debug)]
pub struct Fm {
    nodes: Vec<Node>,
    memo: HashMap<Node, F, BuildHasherDefault<crate::ir::NameHasher>>,
    vars: u32,
}

impl Default for Fm {
    fn default() -> Self {
        Self::new()
    }
}

impl Fm {
    /// `FALSE` is 0, `TRUE` is 1.
    pub fn new() -> Self {
        let mut fm = Fm {
            nodes: Vec::new(),
            memo: HashMap::default(),
            vars: 0,
        };
        fm.intern(Node::False);
        fm.intern(Node::True);
        fm
    }

    fn intern(&mut self, n: Node) -> F {
        if let Some(&f) = self.memo.get(&n) {
            return f;
        }
        let f = self.nodes.len() as F;
        self.nodes.push(n);
        self.memo.insert(n, f);
        f
    }

    fn node(&self, f: F) -> Node {
        self.nodes.get(f as usize).copied().unwrap_or(Node::False)
    }

    /// The constant false.
    pub const FALSE: F = 0;
    /// The constant true.
    pub const TRUE: F = 1;

    /// A constant.
    pub fn constant(b: bool) -> F {
        if b { Self::TRUE } else { Self::FALSE }
    }

    /// A fresh input variable; returns its formula and its index.
    pub fn var(&mut self) -> (F, u32) {
        let v = self.vars;
        self.vars += 1;
        (self.intern(Node::Var(v)), v)
    }

    /// Number of nodes built so far.
    pub fn size(&self) -> usize {
        self.nodes.len()
    }

    /// Number of input variables.
    pub fn vars(&self) -> u32 {
        self.vars
    }

    /// The constant value of a formula, if it is one.
    pub fn as_const(&self, f: F) -> Option<bool> {
        match self.node(f) {
            Node::True => Some(true),
            Node::False => Some(false),
            _ => None,
        }
    }

    /// `!a`
    pub fn not(&mut self, a: F) -> F {
        match self.node(a) {
            Node::True => Self::FALSE,
            Node::False => Self::TRUE,
            Node::Not(x) => x,
            _ => self.intern(Node::Not(a)),
        }
    }

    fn is_negation(&self, a: F, b: F) -> bool {
        self.node(a) == Node::Not(b) || self.node(b) == Node::Not(a)
    }

    /// `a && b`
    pub fn and(&mut self, a: F, b: F) -> F {
        match (self.node(a), self.node(b)) {
            (Node::False, _) | (_, Node::False) => Self::FALSE,
            (Node::True, _) => b,
            (_, Node::True) => a,
            _ if a == b => a,
            _ if self.is_negation(a, b) => Self::FALSE,
            _ => self.intern(Node::And(a.min(b), a.max(b))),
        }
    }

    /// `a || b`
    pub fn or(&mut self, a: F, b: F) -> F {
        match (self.node(a), self.node(b)) {
            (Node::True, _) | (_, Node::True) => Self::TRUE,
            (Node::False, _) => b,
            (_, Node::False) => a,
            _ if a == b => a,
            _ if self.is_negation(a, b) => Self::TRUE,
            _ => self.intern(Node::Or(a.min(b), a.max(b))),
        }
    }

    /// The conjunction of many (balanced, so deep chains stay shallow).
    pub fn and_all(&mut self, fs: impl IntoIterator<Item = F>) -> F {
        self.fold(fs.into_iter().collect(), true)
    }

    /// The disjunction of many.
    pub fn or_all(&mut self, fs: impl IntoIterator<Item = F>) -> F {
        self.fold(fs.into_iter().collect(), false)
    }

    fn fold(&mut self, mut fs: Vec<F>, and: bool) -> F {
        if fs.is_empty() {
            return Self::constant(and);
        }
        while fs.len() > 1 {
            let mut next = Vec::with_capacity(fs.len().div_ceil(2));
            let mut it = fs.into_iter();
            while let Some(a) = it.next() {
                next.push(match it.next() {
                    Some(b) if and => self.and(a, b),
                    Some(b) => self.or(a, b),
                    None => a,
                });
            }
            fs = next;
        }
        fs.pop().unwrap_or(Self::constant(and))
    }

    /// `a == b` for formulas.
    pub fn iff(&mut self, a: F, b: F) -> F {
        let both = self.and(a, b);
        let (na, nb) = (self.not(a), self.not(b));
        let neither = self.and(na, nb);
        self.or(both, neither)
    }

    /// Evaluates every node for 64 assignments at once: bit `i` of `inputs[v]` is variable
    /// `v` in assignment `i`. Returns one word per node (index it with a formula).
    pub fn eval64(&self, inputs: &[u64]) -> Vec<u64> {
        // Nodes are created after their children, so one pass in index order suffices.
        let mut out: Vec<u64> = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let get = |f: F, out: &Vec<u64>| out.get(f as usize).copied().unwrap_or(0);
            let w = match *n {
                Node::False => 0,
                Node::True => u64::MAX,
                Node::Var(v) => inputs.get(v as usize).copied().unwrap_or(0),
                Node::Not(x) => !get(x, &out),
                Node::And(x, y) => get(x, &out) & get(y, &out),
                Node::Or(x, y) => get(x, &out) | get(y, &out),
            };
            out.push(w);
        }
        out
    }

    /// The input variables a formula depends on.
    pub fn support(&self, f: F) -> std::collections::BTreeSet<u32> {
        let mut out = std::collections::BTreeSet::new();
        let mut seen: std::collections::HashSet<F, BuildHasherDefault<crate::ir::NameHasher>> =
            std::collections::HashSet::default();
        let mut stack = vec![f];
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            match self.node(g) {
                Node::Var(v) => {
                    out.insert(v);
                }
                Node::Not(x) => stack.push(x),
                Node::And(x, y) | Node::Or(x, y) => {
                    stack.push(x);
                    stack.push(y);
                }
                Node::True | Node::False => {}
            }
        }
        out
    }

    /// The input variable index of a variable formula.
    pub fn var_index(&self, f: F) -> Option<u32> {
        match self.node(f) {
            Node::Var(v) => Some(v),
            _ => None,
        }
    }

    /// Evaluates a formula under an assignment of the input variables.
    #[cfg(test)]
    pub fn eval(&self, f: F, assignment: &[bool]) -> bool {
        let inputs: Vec<u64> = assignment.iter().map(|&b| u64::from(b)).collect();
        self.eval64(&inputs)
            .get(f as usize)
            .is_some_and(|w| w & 1 == 1)
    }
}

/// What the solver says of a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Satisfiable: a value for every input variable of the [`Fm`] (the ones the question
    /// does not mention are `false`).
    Sat(Vec<bool>),
    /// Unsatisfiable: the indices of the parts (see [`decide`]) that clash, an unsatisfiable
    /// subset of them (not necessarily minimal).
    Unsat(Vec<usize>),
    /// Not decided within the budget.
    Unknown,
}

impl Answer {
    /// The model, if satisfiable.
    #[cfg(test)]
    pub fn model(self) -> Option<Vec<bool>> {
        match self {
            Answer::Sat(m) => Some(m),
            _ => None,
        }
    }
}

/// Counts conflicts and stops the search when they reach the budget.
struct Budget {
    conflicts: std::cell::Cell<u64>,
    limit: u64,
}

impl batsat::Callbacks for Budget {
    fn on_new_clause(&mut self, _c: &[batsat::Lit], k: batsat::ClauseKind) {
        if k == batsat::ClauseKind::Learnt {
            self.conflicts.set(self.conflicts.get().saturating_add(1));
        }
    }

    fn stop(&self) -> bool {
        self.conflicts.get() >= self.limit
    }
}

/// Decides the conjunction of `parts` with a CDCL solver (batsat, a MiniSat), giving up
/// after `budget` conflicts. Only the nodes reachable from the parts enter the question
/// (Tseitin: one solver variable per input variable and per `&&`/`||` node reached); each
/// part is an assumption, so an unsatisfiable answer names the parts that clash.
pub fn decide(fm: &Fm, parts: &[F], budget: u64) -> Answer {
    use batsat::{SolverInterface, lbool};
    // Constant parts decide at once.
    if let Some(i) = parts.iter().position(|&p| fm.as_const(p) == Some(false)) {
        return Answer::Unsat(vec![i]);
    }
    let live: Vec<(usize, F)> = parts
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, p)| fm.as_const(p) != Some(true))
        .collect();
    let mut solver = batsat::Solver::new(
        batsat::SolverOpts::default(),
        Budget {
            conflicts: std::cell::Cell::new(0),
            limit: budget.max(1),
        },
    );
    // Solver variable of each reached node (input variables and `&&`/`||` nodes).
    let mut var_of: HashMap<F, batsat::Var, BuildHasherDefault<crate::ir::NameHasher>> =
        HashMap::default();
    let mut inputs: Vec<(u32, batsat::Var)> = Vec::new();
    // Nodes in an order where children come first (node indices already are).
    let mut reached: Vec<F> = Vec::new();
    let mut seen: std::collections::HashSet<F, BuildHasherDefault<crate::ir::NameHasher>> =
        std::collections::HashSet::default();
    let mut stack: Vec<F> = live.iter().map(|p| p.1).collect();
    while let Some(f) = stack.pop() {
        if !seen.insert(f) {
            continue;
        }
        reached.push(f);
        match fm.node(f) {
            Node::Not(x) => stack.push(x),
            Node::And(x, y) | Node::Or(x, y) => {
                stack.push(x);
                stack.push(y);
            }
            _ => {}
        }
    }
    reached.sort_unstable();
    for &f in &reached {
        match fm.node(f) {
            Node::Var(v) => {
                let sv = solver.new_var_default();
                var_of.insert(f, sv);
                inputs.push((v, sv));
            }
            Node::And(..) | Node::Or(..) => {
                var_of.insert(f, solver.new_var_default());
            }
            _ => {}
        }
    }
    // The literal of a node (constants are simplified away below a non-constant root).
    let lit_of = |f: F| -> Option<batsat::Lit> {
        let mut f = f;
        let mut pos = true;
        loop {
            match fm.node(f) {
                Node::Not(x) => {
                    pos = !pos;
                    f = x;
                }
                Node::Var(_) | Node::And(..) | Node::Or(..) => {
                    return var_of.get(&f).map(|&v| batsat::Lit::new(v, pos));
                }
                Node::True | Node::False => return None,
            }
        }
    };
    for &f in &reached {
        let (is_and, x, y) = match fm.node(f) {
            Node::And(x, y) => (true, x, y),
            Node::Or(x, y) => (false, x, y),
            _ => continue,
        };
        let (Some(z), Some(a), Some(b)) = (lit_of(f), lit_of(x), lit_of(y)) else {
            return Answer::Unknown;
        };
        let clauses = if is_and {
            [vec![!z, a], vec![!z, b], vec![z, !a, !b]]
        } else {
            [vec![z, !a], vec![z, !b], vec![!z, a, b]]
        };
        for mut c in clauses {
            solver.add_clause_reuse(&mut c);
        }
    }
    let mut assumptions = Vec::with_capacity(live.len());
    for &(_, p) in &live {
        let Some(l) = lit_of(p) else {
            return Answer::Unknown;
        };
        assumptions.push(l);
    }
    let result = solver.solve_limited(&assumptions);
    if result == lbool::TRUE {
        let mut model = vec![false; fm.vars as usize];
        for (v, sv) in inputs {
            if let Some(slot) = model.get_mut(v as usize) {
                *slot = solver.value_var(sv) == lbool::TRUE;
            }
        }
        Answer::Sat(model)
    } else if result == lbool::FALSE {
        let core: Vec<usize> = live
            .iter()
            .zip(&assumptions)
            .filter(|(_, l)| solver.unsat_core_contains_var(l.var()))
            .map(|((i, _), _)| *i)
            .collect();
        Answer::Unsat(core)
    } else {
        Answer::Unknown
    }
}

/// Decides a formula without a budget: a satisfying assignment of the input variables, or
/// `None`. For tests and small questions.
#[cfg(test)]
pub fn solve(fm: &Fm, root: F) -> Option<Vec<bool>> {
    decide(fm, &[root], u64::MAX).model()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn simple_cases() {
        let mut fm = Fm::new();
        let (a, _) = fm.var();
        let (b, _) = fm.var();
        let na = fm.not(a);
        let f = fm.and(a, na);
        assert_eq!(f, Fm::FALSE);
        let ab = fm.and(a, b);
        let m = solve(&fm, ab).unwrap();
        assert_eq!(m, vec![true, true]);
        let nb = fm.not(b);
        let x = fm.and(ab, nb);
        assert!(solve(&fm, x).is_none());
    }

    /// Random formulas over 6 variables: the solver agrees with brute force, and its models
    /// satisfy the formula.
    fn formula(fm: &mut Fm, vars: &[F], ops: &[(u8, usize, usize)]) -> F {
        let mut pool: Vec<F> = vars.to_vec();
        for &(op, i, j) in ops {
            let a = pool[i % pool.len()];
            let b = pool[j % pool.len()];
            let f = match op % 3 {
                0 => fm.and(a, b),
                1 => fm.or(a, b),
                _ => fm.not(a),
            };
            pool.push(f);
        }
        *pool.last().unwrap()
    }

    proptest! {
        #[test]
        fn agrees_with_brute_force(ops in proptest::collection::vec((0u8..3, 0usize..64, 0usize..64), 1..40)) {
            let mut fm = Fm::new();
            let vars: Vec<F> = (0..6).map(|_| fm.var().0).collect();
            let f = formula(&mut fm, &vars, &ops);
            let brute = (0..64u32).any(|bits| {
                let a: Vec<bool> = (0..6).map(|i| bits & (1 << i) != 0).collect();
                fm.eval(f, &a)
            });
            match solve(&fm, f) {
                Some(model) => { prop_assert!(brute); prop_assert!(fm.eval(f, &model)); }
                None => prop_assert!(!brute),
            }
        }
    }
}
