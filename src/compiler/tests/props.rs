//! Property tests: `compile` never panics — on arbitrary bytes, on random token soups and on
//! mutations of valid programs — and whatever compiles satisfies the `Proto` invariants
//! (`verify`), and disassembles.

use quickcheck::{Arbitrary, Gen, QuickCheck};

use crate::compiler::{compile, dump, verify, Proto};

/// Lua tokens and token groups to build soups from: everything the grammar knows, plus the
/// usual troublemakers (attributes, labels, varargs, huge numerals, odd strings).
const TOKENS: &[&str] = &[
    "and",
    "break",
    "do",
    "else",
    "elseif",
    "end",
    "false",
    "for",
    "function",
    "goto",
    "if",
    "in",
    "local",
    "nil",
    "not",
    "or",
    "repeat",
    "return",
    "then",
    "true",
    "until",
    "while",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "#",
    "&",
    "~",
    "|",
    "<<",
    ">>",
    "//",
    "==",
    "~=",
    "<=",
    ">=",
    "<",
    ">",
    "=",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "::",
    ";",
    ":",
    ",",
    ".",
    "..",
    "...",
    "a",
    "b",
    "c",
    "x",
    "self",
    "_ENV",
    "f",
    "t",
    "1",
    "0",
    "2",
    "-1",
    "255",
    "256",
    "128",
    "-129",
    "1.5",
    "0.0",
    "3e10",
    "0x10",
    "0xffffffffffffffff",
    "9223372036854775808",
    "1e308",
    "'s'",
    "\"str\"",
    "[[long]]",
    "'\\u{7FF}'",
    "'\\0'",
    "<const>",
    "<close>",
    "::l::",
    "goto l",
    "local x <close> =",
    "local k <const> = 1",
    "function(...)",
    "return ...",
    "for i = 1, 3 do",
    "for k, v in pairs(t) do",
    "\n",
    "--c\n",
    "--[[c]]",
    "while x do",
    "repeat",
    "until x",
    "if x then",
    "a.b.c",
    "a:b()",
    "t[1]",
    "t[x] = ",
    "x, y = y, x",
    "{...}",
    "f{}",
    "f''",
    "local function g()",
    "do local z;",
];

/// A random sequence of tokens.
#[derive(Clone, Debug)]
struct TokenSoup(String);

impl Arbitrary for TokenSoup {
    fn arbitrary(g: &mut Gen) -> TokenSoup {
        let n = usize::arbitrary(g) % (g.size() * 2 + 1);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(g.choose(TOKENS).copied().unwrap_or(";"));
            s.push_str(g.choose(&[" ", " ", " ", "\n", ""]).copied().unwrap_or(" "));
        }
        TokenSoup(s)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = TokenSoup>> {
        let words: Vec<String> = self.0.split(' ').map(str::to_string).collect();
        Box::new((0..words.len()).rev().map(move |i| {
            let mut w = words.clone();
            w.remove(i);
            TokenSoup(w.join(" "))
        }))
    }
}

/// Valid programs to mutate.
const PROGRAMS: &[&str] = &[
    "local a, b = 1, 2 for i = a, b do print(i) end",
    "local t = {1, 2, x = 3, [4] = 5, ...} return #t, t.x",
    "local function f(n) if n < 2 then return n end return f(n-1) + f(n-2) end return f(10)",
    "for k, v in pairs({a = 1}) do local x <close> = nil; goto cont ::cont:: end",
    "local s = 'a' .. \"b\" .. [[c]] while #s < 10 do s = s .. s end repeat local y = 1 until y",
    "local x <const> = 2^53 local y = x // 3 % 7 & 0xff | 1 << 4 >> 2 ~ 5 return -y, not y, ~y",
    "local o = {} function o:m(a, ...) return self, a, ... end return o:m(1, 2, 3)",
    "do local a; local function g() return a end a = g end ::top:: if x then goto top end",
    "local a = {} a.b = {c = function() return 1 end} return a.b.c() == 1 and 'y' or 'n'",
];

fn check(src: &[u8]) -> bool {
    match compile(src, b"=prop") {
        Ok(p) => {
            if let Err(e) = verify(&p) {
                eprintln!(
                    "verify failed: {e}\nsource: {:?}\n{}",
                    String::from_utf8_lossy(src),
                    dump(&p)
                );
                return false;
            }
            let _ = dump(&p);
            exercise_debug_info(&p);
            true
        }
        Err(e) if e.message.is_empty() => {
            eprintln!(
                "empty error message; source: {:?}",
                String::from_utf8_lossy(src)
            );
            false
        }
        Err(_) => true,
    }
}

/// Debug info must answer (or decline) for every pc and register without panicking.
fn exercise_debug_info(p: &Proto) {
    let mut stack = vec![p];
    while let Some(p) = stack.pop() {
        for pc in 0..=p.code.len() {
            let _ = p.describe_call(pc);
            for reg in [0u8, 1, 2, p.max_stack.saturating_sub(1), 254] {
                let _ = p.describe_register(pc, reg);
            }
        }
        stack.extend(p.protos.iter().map(|c| &**c));
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    fn prop(bytes: Vec<u8>) -> bool {
        check(&bytes)
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<u8>) -> bool);
}

#[test]
fn token_soups_never_panic() {
    fn prop(soup: TokenSoup) -> bool {
        check(soup.0.as_bytes())
    }
    QuickCheck::new()
        .rng(Gen::new(60))
        .tests(20_000)
        .quickcheck(prop as fn(TokenSoup) -> bool);
}

#[test]
fn mutated_programs_never_panic() {
    fn prop(which: usize, edits: Vec<(u16, u8, u8)>) -> bool {
        let mut src = PROGRAMS[which % PROGRAMS.len()].as_bytes().to_vec();
        for (pos, kind, byte) in edits {
            let pos = pos as usize % (src.len() + 1);
            match kind % 3 {
                0 if pos < src.len() => {
                    src.remove(pos);
                }
                1 => src.insert(pos, byte),
                _ if pos < src.len() => src[pos] = byte,
                _ => {}
            }
        }
        check(&src)
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop as fn(usize, Vec<(u16, u8, u8)>) -> bool);
}

#[test]
fn valid_programs_compile_and_verify() {
    for src in PROGRAMS {
        let p = compile(src.as_bytes(), b"=prog").unwrap_or_else(|e| panic!("{src}: {e}"));
        verify(&p).unwrap_or_else(|e| panic!("{src}: {e}"));
    }
}

/// A random, mostly valid, program from a small grammar: exercises code generation far more
/// than token soups (which mostly stop at the first syntax error).
#[derive(Clone, Debug)]
struct Program(String);

const NAMES: &[&str] = &["a", "b", "c", "t", "f", "x", "self", "_ENV"];
const LITERALS: &[&str] = &[
    "nil",
    "true",
    "false",
    "0",
    "1",
    "-1",
    "127",
    "128",
    "-128",
    "255",
    "256",
    "32767",
    "32768",
    "1.0",
    "0.5",
    "-0.0",
    "1e300",
    "0x7fffffffffffffff",
    "'s'",
    "\"long string constant\"",
    "[[x]]",
];
const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=", "and", "or", "&",
    "|", "~", "<<", ">>",
];

struct ProgGen<'g> {
    g: &'g mut Gen,
    depth: u32,
    in_loop: bool,
    vararg: bool,
}

impl ProgGen<'_> {
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        self.g.choose(xs).copied().unwrap_or("x")
    }

    fn n(&mut self, m: usize) -> usize {
        usize::arbitrary(self.g) % m
    }

    fn name(&mut self) -> String {
        self.pick(NAMES).to_string()
    }

    fn exp(&mut self) -> String {
        if self.depth > 6 {
            return self.pick(LITERALS).to_string();
        }
        self.depth += 1;
        let e = match self.n(16) {
            0..=2 => self.pick(LITERALS).to_string(),
            3..=5 => self.var(),
            6..=8 => {
                let (l, r) = (self.exp(), self.exp());
                format!("{l} {} {r}", self.pick(BINOPS))
            }
            9 => format!("{}{}", self.pick(&["-", "not ", "#", "~"]), self.exp()),
            10 => format!("({})", self.exp()),
            11 => self.table(),
            12 => self.call(),
            13 => {
                let (ps, va) = self.params();
                format!("function({ps}) {} end", self.body(Some(va)))
            }
            14 if self.vararg => "...".to_string(),
            _ => self.var(),
        };
        self.depth -= 1;
        e
    }

    fn var(&mut self) -> String {
        match self.n(6) {
            0 => format!("{}.{}", self.name(), self.name()),
            1 => format!("{}[ {} ]", self.name(), self.exp()),
            2 => format!("{}[{}]", self.name(), self.n(300)),
            _ => self.name(),
        }
    }

    fn args(&mut self) -> String {
        let k = self.n(4);
        (0..k).map(|_| self.exp()).collect::<Vec<_>>().join(", ")
    }

    fn call(&mut self) -> String {
        match self.n(5) {
            0 => format!("{}:{}({})", self.var(), self.name(), self.args()),
            1 => format!("{}'str'", self.var()),
            2 => format!("{}{{}}", self.var()),
            _ => format!("{}({})", self.var(), self.args()),
        }
    }

    fn table(&mut self) -> String {
        let k = if self.n(10) == 0 {
            60 + self.n(60)
        } else {
            self.n(5)
        };
        let items: Vec<String> = (0..k)
            .map(|_| match self.n(4) {
                0 => format!("{} = {}", self.name(), self.exp()),
                1 => format!("[ {} ] = {}", self.exp(), self.exp()),
                _ => self.exp(),
            })
            .collect();
        format!("{{{}}}", items.join(", "))
    }

    /// A parameter list and whether it is vararg.
    fn params(&mut self) -> (String, bool) {
        let k = self.n(3);
        let mut ps: Vec<String> = (0..k).map(|i| format!("p{i}")).collect();
        let va = self.n(2) == 0;
        if va {
            ps.push("...".into());
        }
        (ps.join(", "), va)
    }

    /// A block; `Some(vararg)` when it is a new function's body.
    fn body(&mut self, function: Option<bool>) -> String {
        let saved = (self.in_loop, self.vararg);
        if let Some(va) = function {
            self.in_loop = false;
            self.vararg = va;
        }
        let k = self.n(4);
        let mut out: Vec<String> = (0..k).map(|_| self.stat()).collect();
        if self.n(3) == 0 {
            out.push(format!("return {}", self.args()));
        }
        (self.in_loop, self.vararg) = saved;
        out.join("\n")
    }

    fn loop_body(&mut self) -> String {
        let saved = self.in_loop;
        self.in_loop = true;
        let b = self.body(None);
        self.in_loop = saved;
        b
    }

    fn stat(&mut self) -> String {
        if self.depth > 5 {
            return format!("{} = {}", self.name(), self.pick(LITERALS));
        }
        self.depth += 1;
        let s = match self.n(18) {
            0 | 1 => {
                let k = 1 + self.n(3);
                let close = if self.n(4) == 0 { self.n(k) } else { k };
                let names: Vec<String> = (0..k)
                    .map(|i| {
                        let attr = if i == close {
                            " <close>"
                        } else {
                            self.pick(&["", "", "", "", "", "", "", "", " <const>"])
                        };
                        format!("{}{attr}", self.name())
                    })
                    .collect();
                if self.n(3) == 0 {
                    format!("local {}", names.join(", "))
                } else {
                    let e = self.exp();
                    let rest = self.args();
                    let values = if rest.is_empty() {
                        e
                    } else {
                        format!("{e}, {rest}")
                    };
                    format!("local {} = {values}", names.join(", "))
                }
            }
            2 | 3 => {
                let k = 1 + self.n(3);
                let vars: Vec<String> = (0..k).map(|_| self.var()).collect();
                format!("{} = {}", vars.join(", "), self.exp())
            }
            4 | 5 => self.call(),
            6 => format!(
                "if {} then {} elseif {} then {} else {} end",
                self.exp(),
                self.body(None),
                self.exp(),
                self.body(None),
                self.body(None)
            ),
            7 => format!("while {} do {} end", self.exp(), self.loop_body()),
            8 => format!("repeat {} until {}", self.loop_body(), self.exp()),
            9 => format!(
                "for i = {}, {}, {} do {} end",
                self.exp(),
                self.exp(),
                self.exp(),
                self.loop_body()
            ),
            10 => format!(
                "for k, v in next, {} do {} end",
                self.exp(),
                self.loop_body()
            ),
            11 => format!("do {} end", self.body(None)),
            12 => {
                let (ps, va) = self.params();
                format!(
                    "function {}.{}:{}({ps}) {} end",
                    self.name(),
                    self.name(),
                    self.name(),
                    self.body(Some(va))
                )
            }
            13 => {
                let (ps, va) = self.params();
                format!(
                    "local function {}({ps}) {} end",
                    self.name(),
                    self.body(Some(va))
                )
            }
            14 if self.in_loop => "break".to_string(),
            15 if self.n(4) == 0 => format!("goto l{}", self.n(3)),
            16 => format!("::l{}::", self.n(3)),
            _ => format!("{} = {}", self.var(), self.exp()),
        };
        self.depth -= 1;
        s
    }
}

impl Arbitrary for Program {
    fn arbitrary(g: &mut Gen) -> Program {
        let mut pg = ProgGen {
            g,
            depth: 0,
            in_loop: false,
            vararg: true,
        };
        let k = 1 + pg.n(8);
        let stats: Vec<String> = (0..k).map(|_| pg.stat()).collect();
        Program(stats.join("\n"))
    }
}

#[test]
fn random_programs_compile_to_valid_code() {
    fn prop(p: Program) -> bool {
        check(p.0.as_bytes())
    }
    QuickCheck::new()
        .rng(Gen::new(50))
        .tests(3000)
        .quickcheck(prop as fn(Program) -> bool);
}

#[test]
#[ignore]
fn soup_stats() {
    let mut g = Gen::new(60);
    let mut ok = 0;
    for _ in 0..20_000 {
        let s = TokenSoup::arbitrary(&mut g);
        if compile(s.0.as_bytes(), b"=p").is_ok() {
            ok += 1;
        }
    }
    println!("soups compiled: {ok} / 20000");
    let mut ok = 0;
    let mut errors = std::collections::BTreeMap::new();
    for _ in 0..3000 {
        let s = Program::arbitrary(&mut g);
        match compile(s.0.as_bytes(), b"=p") {
            Ok(_) => ok += 1,
            Err(e) => {
                *errors
                    .entry(e.message.split(':').nth(2).unwrap_or("").to_string())
                    .or_insert(0) += 1
            }
        }
    }
    println!("programs compiled: {ok} / 3000 {errors:?}");
}
