//! Boolean formulas and a small SAT solver, for the exact semantic lints.
//!
//! Formulas are hash-consed DAGs over input variables, simplified as they are built
//! (constants, double negation, `x && x`, `x && !x`). [`solve`] turns the part reachable from
//! a root into clauses (Tseitin: one variable per `&&`/`||` node) and decides them with
//! DPLL: two watched literals for unit propagation, chronological backtracking. The lints'
//! formulas are small (one step's attributes, one or two rules), so this is exact and fast.

use std::collections::HashMap;

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
    memo: HashMap<Node, F>,
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
            memo: HashMap::new(),
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
        let mut seen = std::collections::HashSet::new();
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

/// Decides a formula: a satisfying assignment of the input variables, or `None`.
pub fn solve(fm: &Fm, root: F) -> Option<Vec<bool>> {
    match fm.as_const(root) {
        Some(false) => return None,
        Some(true) => return Some(vec![false; fm.vars as usize]),
        None => {}
    }
    // Tseitin: CNF variable per input variable (same index) and per And/Or node.
    let mut cnf_var: HashMap<F, u32> = HashMap::new();
    let mut next = fm.vars;
    let mut clauses: Vec<Vec<i32>> = Vec::new();
    let lit = |v: u32, pos: bool| -> i32 {
        let l = i32::try_from(v).unwrap_or(i32::MAX - 1) + 1;
        if pos { l } else { -l }
    };
    // literal of a node, creating clauses for And/Or nodes (iteratively).
    let mut order = Vec::new();
    let mut stack = vec![root];
    let mut seen = std::collections::HashSet::new();
    while let Some(f) = stack.pop() {
        if !seen.insert(f) {
            continue;
        }
        order.push(f);
        match fm.node(f) {
            Node::Not(x) => stack.push(x),
            Node::And(x, y) | Node::Or(x, y) => {
                stack.push(x);
                stack.push(y);
            }
            _ => {}
        }
    }
    for &f in &order {
        if matches!(fm.node(f), Node::And(..) | Node::Or(..)) {
            cnf_var.insert(f, next);
            next += 1;
        }
    }
    fn node_lit(
        fm: &Fm,
        f: F,
        cnf_var: &HashMap<F, u32>,
        lit: &dyn Fn(u32, bool) -> i32,
    ) -> Option<i32> {
        let mut f = f;
        let mut pos = true;
        loop {
            match fm.node(f) {
                Node::Not(x) => {
                    pos = !pos;
                    f = x;
                }
                Node::Var(v) => return Some(lit(v, pos)),
                Node::And(..) | Node::Or(..) => return cnf_var.get(&f).map(|&v| lit(v, pos)),
                // Constants are simplified away below the root.
                Node::True | Node::False => return None,
            }
        }
    }
    for &f in &order {
        let (is_and, x, y) = match fm.node(f) {
            Node::And(x, y) => (true, x, y),
            Node::Or(x, y) => (false, x, y),
            _ => continue,
        };
        let z = lit(*cnf_var.get(&f)?, true);
        let (a, b) = (
            node_lit(fm, x, &cnf_var, &lit)?,
            node_lit(fm, y, &cnf_var, &lit)?,
        );
        if is_and {
            clauses.push(vec![-z, a]);
            clauses.push(vec![-z, b]);
            clauses.push(vec![z, -a, -b]);
        } else {
            clauses.push(vec![z, -a]);
            clauses.push(vec![z, -b]);
            clauses.push(vec![-z, a, b]);
        }
    }
    clauses.push(vec![node_lit(fm, root, &cnf_var, &lit)?]);
    let model = dpll(next as usize, clauses)?;
    Some(model.into_iter().take(fm.vars as usize).collect())
}

fn idx(l: i32) -> usize {
    let v = (l.unsigned_abs() - 1) as usize;
    2 * v + usize::from(l < 0)
}

/// DPLL with two watched literals and chronological backtracking.
fn dpll(nvars: usize, mut clauses: Vec<Vec<i32>>) -> Option<Vec<bool>> {
    let mut value: Vec<i8> = vec![0; nvars];
    let val = |value: &[i8], l: i32| -> i8 {
        let v = value
            .get((l.unsigned_abs() - 1) as usize)
            .copied()
            .unwrap_or(0);
        if l > 0 { v } else { -v }
    };
    let mut watches: Vec<Vec<usize>> = vec![Vec::new(); 2 * nvars];
    let mut trail: Vec<i32> = Vec::new();
    // Unit clauses are assigned up front; others watch their first two literals.
    let mut units = Vec::new();
    for (ci, c) in clauses.iter_mut().enumerate() {
        c.sort_unstable();
        c.dedup();
        if c.windows(2).any(|w| matches!(w, [a, b] if *a == -*b)) {
            continue; // tautology
        }
        match c.as_slice() {
            [] => return None,
            [l] => units.push(*l),
            [a, b, ..] => {
                watches.get_mut(idx(*a))?.push(ci);
                watches.get_mut(idx(*b))?.push(ci);
            }
        }
    }
    let assign = |value: &mut Vec<i8>, trail: &mut Vec<i32>, l: i32| {
        if let Some(slot) = value.get_mut((l.unsigned_abs() - 1) as usize) {
            *slot = if l > 0 { 1 } else { -1 };
        }
        trail.push(l);
    };
    for l in units {
        match val(&value, l) {
            1 => {}
            -1 => return None,
            _ => assign(&mut value, &mut trail, l),
        }
    }
    // Decisions: (trail length before, literal, flipped already).
    let mut decisions: Vec<(usize, i32, bool)> = Vec::new();
    let mut head = 0;
    loop {
        // Propagate.
        let mut conflict = false;
        while head < trail.len() {
            let l = trail.get(head).copied().unwrap_or(0);
            head += 1;
            let false_lit = -l;
            let ws = std::mem::take(watches.get_mut(idx(false_lit))?);
            let mut keep = Vec::with_capacity(ws.len());
            let mut i = 0;
            while i < ws.len() {
                let ci = ws.get(i).copied().unwrap_or(0);
                i += 1;
                if conflict {
                    keep.push(ci);
                    continue;
                }
                let c = clauses.get_mut(ci)?;
                // Keep the false literal in position 1.
                if c.first() == Some(&false_lit) {
                    c.swap(0, 1);
                }
                let first = c.first().copied().unwrap_or(0);
                if val(&value, first) == 1 {
                    keep.push(ci);
                    continue;
                }
                // Find a new literal to watch.
                let mut moved = false;
                for k in 2..c.len() {
                    let lk = c.get(k).copied().unwrap_or(0);
                    if val(&value, lk) != -1 {
                        c.swap(1, k);
                        let nl = c.get(1).copied().unwrap_or(0);
                        watches.get_mut(idx(nl))?.push(ci);
                        moved = true;
                        break;
                    }
                }
                if moved {
                    continue;
                }
                keep.push(ci);
                match val(&value, first) {
                    -1 => conflict = true,
                    0 => assign(&mut value, &mut trail, first),
                    _ => {}
                }
            }
            *watches.get_mut(idx(false_lit))? = keep;
            if conflict {
                break;
            }
        }
        if conflict {
            // Backtrack to the last decision not yet flipped.
            loop {
                let (len, l, flipped) = decisions.pop()?;
                for &t in trail.get(len..).unwrap_or(&[]) {
                    if let Some(slot) = value.get_mut((t.unsigned_abs() - 1) as usize) {
                        *slot = 0;
                    }
                }
                trail.truncate(len);
                head = len;
                if !flipped {
                    decisions.push((len, -l, true));
                    assign(&mut value, &mut trail, -l);
                    break;
                }
            }
            continue;
        }
        // Decide.
        match value.iter().position(|&v| v == 0) {
            None => return Some(value.iter().map(|&v| v == 1).collect()),
            Some(v) => {
                let l = -(i32::try_from(v).unwrap_or(i32::MAX - 1) + 1);
                decisions.push((trail.len(), l, false));
                assign(&mut value, &mut trail, l);
            }
        }
    }
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
