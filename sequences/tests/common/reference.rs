//! Plain reference implementations, ported naively from lstrlib.c / ltablib.c with ordinary
//! recursion, used as oracles for the resumable versions. Deliberately written in the C
//! style (a capture array with `len` codes -1/-2, `goto init` as a loop) and sharing no code
//! with the crate.
//!
//! This is the one reference matcher: the `patterns` fuzz target (`fuzz/common/patterns.rs`)
//! includes this directory with `#[path]` rather than keeping a second transcription that
//! could drift from this one. The fuzzer needs one thing the property tests do not: a bound
//! on work, since backtracking is exponential (in Lua too) and an input that takes minutes
//! proves nothing. [`set_step_limit`] gives one; unset, the matcher is unbounded.
#![allow(dead_code)]

use std::cell::Cell;

/// The error a matcher call returns when it passes the step limit (not a Lua message).
pub const OVER_STEP_LIMIT: &str = "reference over its step limit";

thread_local! {
    /// `match` activations a matcher call may make (see [`set_step_limit`]).
    static STEP_LIMIT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Bounds every later matcher call on this thread to `limit` activations of `match`; past it
/// the call fails with [`OVER_STEP_LIMIT`], which a caller treats as "skip this case".
pub fn set_step_limit(limit: usize) {
    STEP_LIMIT.with(|l| l.set(limit));
}

/// A Lua value a pattern function returns: a string or an integer (position capture).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Val {
    Str(Vec<u8>),
    Int(i64),
}

const CAP_UNFINISHED: isize = -1;
const CAP_POSITION: isize = -2;
const MAXCCALLS: i32 = 200;

pub struct Ms<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    matchdepth: i32,
    level: usize,
    capture: [(usize, isize); 32],
    /// `match` activations left before [`OVER_STEP_LIMIT`].
    steps_left: usize,
}

fn pc(p: &[u8], i: usize) -> u8 {
    if i < p.len() {
        p[i]
    } else {
        0
    }
}

fn class_c(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c < 32 || c == 127,
        b'd' => c.is_ascii_digit(),
        b'g' => (33..=126).contains(&c),
        b'l' => c.is_ascii_lowercase(),
        b'p' => (33..=126).contains(&c) && !c.is_ascii_alphanumeric(),
        b's' => c == b' ' || (9..=13).contains(&c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return cl == c,
    };
    if cl.is_ascii_lowercase() {
        res
    } else {
        !res
    }
}

impl<'a> Ms<'a> {
    pub fn new(src: &'a [u8], pat: &'a [u8]) -> Self {
        Ms {
            src,
            pat,
            matchdepth: MAXCCALLS,
            level: 0,
            capture: [(0, 0); 32],
            steps_left: STEP_LIMIT.with(Cell::get),
        }
    }

    fn p(&self, i: usize) -> u8 {
        pc(self.pat, i)
    }

    fn classend(&self, mut p: usize) -> Result<usize, String> {
        let c = self.p(p);
        p += 1;
        if c == b'%' {
            if p == self.pat.len() {
                return Err("malformed pattern (ends with '%')".into());
            }
            return Ok(p + 1);
        }
        if c == b'[' {
            if self.p(p) == b'^' {
                p += 1;
            }
            loop {
                if p == self.pat.len() {
                    return Err("malformed pattern (missing ']')".into());
                }
                let c = self.p(p);
                p += 1;
                if c == b'%' && p < self.pat.len() {
                    p += 1;
                }
                if self.p(p) == b']' {
                    break;
                }
            }
            return Ok(p + 1);
        }
        Ok(p)
    }

    fn bracket(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let mut sig = true;
        if self.p(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                break;
            }
            if self.p(p) == b'%' {
                p += 1;
                if class_c(c, self.p(p)) {
                    return sig;
                }
            } else if self.p(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if self.p(p - 2) <= c && c <= self.p(p) {
                    return sig;
                }
            } else if self.p(p) == c {
                return sig;
            }
        }
        !sig
    }

    fn single(&self, s: usize, p: usize, ep: usize) -> bool {
        if s >= self.src.len() {
            return false;
        }
        let c = self.src[s];
        match self.p(p) {
            b'.' => true,
            b'%' => class_c(c, self.p(p + 1)),
            b'[' => self.bracket(c, p, ep - 1),
            x => x == c,
        }
    }

    fn do_match(&mut self, s: usize, p: usize) -> Result<Option<usize>, String> {
        if self.steps_left == 0 {
            return Err(OVER_STEP_LIMIT.into());
        }
        self.steps_left -= 1;
        if self.matchdepth == 0 {
            return Err("pattern too complex".into());
        }
        self.matchdepth -= 1;
        let r = self.match_body(s, p);
        self.matchdepth += 1;
        r
    }

    fn match_body(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>, String> {
        let plen = self.pat.len();
        loop {
            if p == plen {
                return Ok(Some(s));
            }
            let dflt;
            match self.p(p) {
                b'(' => {
                    return if self.p(p + 1) == b')' {
                        self.start_capture(s, p + 2, CAP_POSITION)
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == plen => {
                    return Ok(if s == self.src.len() { Some(s) } else { None });
                }
                b'%' => match self.p(p + 1) {
                    b'b' => {
                        let q = p + 2;
                        if q + 1 >= plen {
                            return Err("malformed pattern (missing arguments to '%b')".into());
                        }
                        match self.balance(s, q) {
                            Some(e) => {
                                s = e;
                                p += 4;
                                continue;
                            }
                            None => return Ok(None),
                        }
                    }
                    b'f' => {
                        p += 2;
                        if self.p(p) != b'[' {
                            return Err("missing '[' after '%f' in pattern".into());
                        }
                        let ep = self.classend(p)?;
                        let prev = if s == 0 { 0 } else { self.src[s - 1] };
                        let cur = pc(self.src, s);
                        if !self.bracket(prev, p, ep - 1) && self.bracket(cur, p, ep - 1) {
                            p = ep;
                            continue;
                        }
                        return Ok(None);
                    }
                    d @ b'0'..=b'9' => {
                        let l = d as i32 - b'1' as i32;
                        if l < 0
                            || l as usize >= self.level
                            || self.capture[l as usize].1 == CAP_UNFINISHED
                        {
                            return Err(format!("invalid capture index %{}", l + 1));
                        }
                        let (init, len) = self.capture[l as usize];
                        if len < 0 {
                            return Ok(None); // position capture: (size_t)-2 never fits
                        }
                        let len = len as usize;
                        if self.src.len() - s >= len
                            && self.src[init..init + len] == self.src[s..s + len]
                        {
                            s += len;
                            p += 2;
                            continue;
                        }
                        return Ok(None);
                    }
                    _ => dflt = true,
                },
                _ => dflt = true,
            }
            debug_assert!(dflt);
            let ep = self.classend(p)?;
            let e = self.p(ep);
            if !self.single(s, p, ep) {
                if e == b'*' || e == b'?' || e == b'-' {
                    p = ep + 1;
                    continue;
                }
                return Ok(None);
            }
            match e {
                b'?' => {
                    if let Some(r) = self.do_match(s + 1, ep + 1)? {
                        return Ok(Some(r));
                    }
                    p = ep + 1;
                    continue;
                }
                b'+' => return self.max_expand(s + 1, p, ep),
                b'*' => return self.max_expand(s, p, ep),
                b'-' => return self.min_expand(s, p, ep),
                _ => {
                    s += 1;
                    p = ep;
                    continue;
                }
            }
        }
    }

    fn balance(&self, s: usize, p: usize) -> Option<usize> {
        if pc(self.src, s) != self.p(p) {
            return None;
        }
        let (b, e) = (self.p(p), self.p(p + 1));
        let mut cont = 1;
        let mut s = s;
        loop {
            s += 1;
            if s >= self.src.len() {
                return None;
            }
            if self.src[s] == e {
                cont -= 1;
                if cont == 0 {
                    return Some(s + 1);
                }
            } else if self.src[s] == b {
                cont += 1;
            }
        }
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, String> {
        let mut i = 0;
        while self.single(s + i, p, ep) {
            i += 1;
        }
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> Result<Option<usize>, String> {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            }
            if self.single(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: isize) -> Result<Option<usize>, String> {
        if self.level >= 32 {
            return Err("too many captures".into());
        }
        self.capture[self.level] = (s, what);
        self.level += 1;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.level -= 1;
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>, String> {
        let mut l = None;
        for i in (0..self.level).rev() {
            if self.capture[i].1 == CAP_UNFINISHED {
                l = Some(i);
                break;
            }
        }
        let l = l.ok_or_else(|| "invalid pattern capture".to_string())?;
        self.capture[l].1 = (s - self.capture[l].0) as isize;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.capture[l].1 = CAP_UNFINISHED;
        }
        Ok(r)
    }

    fn get_one(&self, i: usize, s: usize, e: usize) -> Result<Val, String> {
        if i >= self.level {
            if i != 0 {
                return Err(format!("invalid capture index %{}", i + 1));
            }
            return Ok(Val::Str(self.src[s..e].to_vec()));
        }
        let (init, len) = self.capture[i];
        if len == CAP_UNFINISHED {
            return Err("unfinished capture".into());
        }
        if len == CAP_POSITION {
            return Ok(Val::Int(init as i64 + 1));
        }
        Ok(Val::Str(self.src[init..init + len as usize].to_vec()))
    }

    /// push_captures; `whole` is `Some((s, e))` for match/gmatch/gsub, `None` for find.
    fn push(&self, whole: Option<(usize, usize)>) -> Result<Vec<Val>, String> {
        let n = if self.level == 0 && whole.is_some() {
            1
        } else {
            self.level
        };
        let (s, e) = whole.unwrap_or((0, 0));
        (0..n).map(|i| self.get_one(i, s, e)).collect()
    }

    fn reset(&mut self) {
        self.level = 0;
        assert_eq!(self.matchdepth, MAXCCALLS);
    }
}

fn nospecials(p: &[u8]) -> bool {
    !p.iter().any(|c| b"^$*+?.([%-".contains(c))
}

fn lmemfind(s: &[u8], p: &[u8]) -> Option<usize> {
    if p.is_empty() {
        return Some(0);
    }
    if p.len() > s.len() {
        return None;
    }
    (0..=s.len() - p.len()).find(|&i| &s[i..i + p.len()] == p)
}

pub type FindOut = Option<(i64, i64, Vec<Val>)>;

/// `string.find(s, p, init + 1, plain)` with `init` already 0-based and non-negative.
pub fn find(s: &[u8], p: &[u8], init: usize, plain: bool) -> Result<FindOut, String> {
    if init > s.len() {
        return Ok(None);
    }
    if plain || nospecials(p) {
        return Ok(lmemfind(&s[init..], p)
            .map(|i| ((init + i) as i64 + 1, (init + i + p.len()) as i64, vec![])));
    }
    let anchor = p.first() == Some(&b'^');
    let pat = if anchor { &p[1..] } else { p };
    let mut ms = Ms::new(s, pat);
    let mut s1 = init;
    loop {
        ms.reset();
        if let Some(e) = ms.do_match(s1, 0)? {
            return Ok(Some((s1 as i64 + 1, e as i64, ms.push(None)?)));
        }
        if s1 >= s.len() || anchor {
            return Ok(None);
        }
        s1 += 1;
    }
}

/// `string.match(s, p, init + 1)`.
pub fn str_match(s: &[u8], p: &[u8], init: usize) -> Result<Option<Vec<Val>>, String> {
    if init > s.len() {
        return Ok(None);
    }
    let anchor = p.first() == Some(&b'^');
    let pat = if anchor { &p[1..] } else { p };
    let mut ms = Ms::new(s, pat);
    let mut s1 = init;
    loop {
        ms.reset();
        if let Some(e) = ms.do_match(s1, 0)? {
            return Ok(Some(ms.push(Some((s1, e)))?));
        }
        if s1 >= s.len() || anchor {
            return Ok(None);
        }
        s1 += 1;
    }
}

/// All items of `string.gmatch(s, p, init + 1)`, and the error that stopped it, if any.
pub fn gmatch(s: &[u8], p: &[u8], init: usize) -> (Vec<Vec<Val>>, Option<String>) {
    let mut out = vec![];
    let mut ms = Ms::new(s, p);
    let mut src = init.min(s.len() + 1);
    let mut lastmatch = None;
    'calls: loop {
        let mut at = src;
        while at <= s.len() {
            ms.reset();
            match ms.do_match(at, 0) {
                Err(e) => return (out, Some(e)),
                Ok(Some(e)) if Some(e) != lastmatch => {
                    src = e;
                    lastmatch = Some(e);
                    match ms.push(Some((at, e))) {
                        Ok(v) => out.push(v),
                        Err(e) => return (out, Some(e)),
                    }
                    continue 'calls;
                }
                Ok(_) => at += 1,
            }
        }
        return (out, None);
    }
}

/// How the test host computes gsub replacements.
#[derive(Clone, Debug)]
pub enum Repl {
    /// A replacement string (`add_s`).
    Template(Vec<u8>),
    /// A "function" of the captures: `nil` when the first value is an even-length string,
    /// else the concatenation of all values (integers in decimal) wrapped in `<>`.
    Function,
    /// A "table" indexed by the first capture: present for keys starting with 'a'.
    Table,
}

pub fn val_bytes(v: &Val) -> Vec<u8> {
    match v {
        Val::Str(b) => b.clone(),
        Val::Int(i) => i.to_string().into_bytes(),
    }
}

/// The replacement computed from Lua values (shared policy for both sides of a test).
pub fn function_policy(vals: &[Val]) -> Option<Vec<u8>> {
    match vals.first() {
        Some(Val::Str(b)) if b.len() % 2 == 0 => None,
        _ => {
            let mut out = b"<".to_vec();
            for v in vals {
                out.extend(val_bytes(v));
            }
            out.push(b'>');
            Some(out)
        }
    }
}

pub fn table_policy(key: &Val) -> Option<Vec<u8>> {
    match key {
        Val::Str(b) if b.first() == Some(&b'a') => Some([b"T".as_slice(), b].concat()),
        Val::Int(i) if i % 2 == 1 => Some(format!("#{i}").into_bytes()),
        _ => None,
    }
}

/// `string.gsub(s, p, repl, max_n)`: (result, count).
pub fn gsub(s: &[u8], p: &[u8], repl: &Repl, max_n: i64) -> Result<(Vec<u8>, i64), String> {
    let anchor = p.first() == Some(&b'^');
    let pat = if anchor { &p[1..] } else { p };
    let mut ms = Ms::new(s, pat);
    let mut src = 0;
    let mut lastmatch = None;
    let mut n = 0;
    let mut b = vec![];
    while n < max_n {
        ms.reset();
        match ms.do_match(src, 0)? {
            Some(e) if Some(e) != lastmatch => {
                n += 1;
                let new = match repl {
                    Repl::Template(t) => {
                        let mut out = vec![];
                        let mut i = 0;
                        while i < t.len() {
                            if t[i] != b'%' {
                                out.push(t[i]);
                                i += 1;
                                continue;
                            }
                            i += 1;
                            let c = pc(t, i);
                            if c == b'%' {
                                out.push(b'%');
                            } else if c == b'0' {
                                out.extend_from_slice(&s[src..e]);
                            } else if c.is_ascii_digit() {
                                out.extend(val_bytes(&ms.get_one((c - b'1') as usize, src, e)?));
                            } else {
                                return Err("invalid use of '%' in replacement string".into());
                            }
                            i += 1;
                        }
                        Some(out)
                    }
                    Repl::Function => function_policy(&ms.push(Some((src, e)))?),
                    Repl::Table => table_policy(&ms.get_one(0, src, e)?),
                };
                match new {
                    Some(x) => b.extend(x),
                    None => b.extend_from_slice(&s[src..e]),
                }
                src = e;
                lastmatch = Some(e);
            }
            _ if src < s.len() => {
                b.push(s[src]);
                src += 1;
            }
            _ => break,
        }
        if anchor {
            break;
        }
    }
    b.extend_from_slice(&s[src..]);
    Ok((b, n))
}

/// ltablib's `auxsort` over a permutation, recursive, comparing with `lt(a, b)` on element
/// indices. Returns the final permutation or the error with the permutation at that moment.
pub fn sort(
    n: u32,
    seed: u32,
    lt: &mut dyn FnMut(u32, u32) -> bool,
) -> Result<Vec<u32>, (String, Vec<u32>)> {
    let mut a: Vec<u32> = (0..n).collect();
    if n > 1 {
        if let Err(e) = auxsort(&mut a, 1, n, 0, seed, lt) {
            return Err((e, a));
        }
    }
    Ok(a)
}

fn auxsort(
    a: &mut [u32],
    mut lo: u32,
    mut up: u32,
    mut rnd: u32,
    seed: u32,
    lt: &mut dyn FnMut(u32, u32) -> bool,
) -> Result<(), String> {
    let g = |a: &[u32], i: u32| a[i as usize - 1];
    let sw = |a: &mut [u32], i: u32, j: u32| a.swap(i as usize - 1, j as usize - 1);
    while lo < up {
        if lt(g(a, up), g(a, lo)) {
            sw(a, lo, up);
        }
        if up - lo == 1 {
            return Ok(());
        }
        let p = if up - lo < 100 || rnd == 0 {
            (lo + up) / 2
        } else {
            let r4 = (up - lo) / 4;
            rnd % (r4 * 2) + (lo + r4)
        };
        if lt(g(a, p), g(a, lo)) {
            sw(a, p, lo);
        } else if lt(g(a, up), g(a, p)) {
            sw(a, p, up);
        }
        if up - lo == 2 {
            return Ok(());
        }
        let pivot = g(a, p);
        sw(a, p, up - 1);
        // partition
        let mut i = lo;
        let mut j = up - 1;
        let p = loop {
            i += 1;
            while lt(g(a, i), pivot) {
                if i == up - 1 {
                    return Err("invalid order function for sorting".into());
                }
                i += 1;
            }
            j -= 1;
            while lt(pivot, g(a, j)) {
                if j < i {
                    return Err("invalid order function for sorting".into());
                }
                j -= 1;
            }
            if j < i {
                sw(a, up - 1, i);
                break i;
            }
            sw(a, i, j);
        };
        let n;
        if p - lo < up - p {
            auxsort(a, lo, p - 1, rnd, seed, lt)?;
            n = p - lo;
            lo = p + 1;
        } else {
            auxsort(a, p + 1, up, rnd, seed, lt)?;
            n = up - p;
            up = p - 1;
        }
        if up.wrapping_sub(lo) / 128 > n {
            rnd = sequences::sort::randomize_pivot(seed, lo, up, n);
        }
    }
    Ok(())
}
