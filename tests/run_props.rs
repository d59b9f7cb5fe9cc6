//! Property tests: arbitrary bytes and token soups never panic the compiler or the
//! interpreter; whatever compiles runs under a small fuel budget and stops cleanly.

use quickcheck::{Arbitrary, Gen, QuickCheck};
use telelua::api::fuzz::run_bytes;

const TOKENS: &[&str] = &[
    "local",
    "function",
    "end",
    "if",
    "then",
    "else",
    "elseif",
    "while",
    "do",
    "repeat",
    "until",
    "for",
    "in",
    "return",
    "break",
    "goto",
    "::l::",
    "nil",
    "true",
    "false",
    "and",
    "or",
    "not",
    "x",
    "y",
    "t",
    "f",
    "...",
    "=",
    "==",
    "~=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "^",
    "#",
    "&",
    "|",
    "~",
    "<<",
    ">>",
    "..",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ",",
    ".",
    ":",
    "0",
    "1",
    "-1",
    "2.5",
    "1e308",
    "0x7fffffffffffffff",
    "'s'",
    "\"str\"",
    "[[long]]",
    "<const>",
    "<close>",
    "setmetatable",
    "pcall",
    "error",
    "coroutine.wrap",
    "coroutine.yield",
    "print",
    "tostring",
    "select",
    "__index",
    "__add",
    "__call",
    "__close",
    "__eq",
    "__lt",
];

/// A random sequence of Lua tokens.
#[derive(Clone, Debug)]
struct Soup(String);

impl Arbitrary for Soup {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % 60;
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(g.choose(TOKENS).copied().unwrap_or("x"));
            s.push(' ');
        }
        Soup(s)
    }
}

/// Small well-formed programs with loops, closures, metatables and coroutines.
#[derive(Clone, Debug)]
struct Program(String);

impl Arbitrary for Program {
    fn arbitrary(g: &mut Gen) -> Self {
        let pieces = [
            "local t = setmetatable({}, {__index = function(t, k) return k end})\n",
            "local s = 0 for i = 1, 100 do s = s + i end\n",
            "local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) co() co()\n",
            "print(pcall(error, {}))\n",
            "local function r(n) if n == 0 then return 0 end return 1 + r(n - 1) end r(50)\n",
            "while true do end\n",
            "local f = function(...) return select('#', ...) end f(1, nil, 3)\n",
            "do local x <close> = setmetatable({}, {__close = function() end}) end\n",
            "local a = {} for i = 1, 1e9 do a[i] = i end\n",
            "local function loop() return loop() end loop()\n",
            "x = (x or 0) + 1\n",
        ];
        let n = 1 + usize::arbitrary(g) % 6;
        Program((0..n).map(|_| *g.choose(&pieces).unwrap_or(&"")).collect())
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    fn prop(bytes: Vec<u8>) -> bool {
        run_bytes(&bytes);
        true
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(Vec<u8>) -> bool);
}

#[test]
fn token_soups_never_panic() {
    fn prop(s: Soup) -> bool {
        run_bytes(s.0.as_bytes());
        true
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Soup) -> bool);
}

#[test]
fn programs_run_and_stop_cleanly() {
    fn prop(p: Program) -> bool {
        run_bytes(p.0.as_bytes());
        true
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(Program) -> bool);
}
