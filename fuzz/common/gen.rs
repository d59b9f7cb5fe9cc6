//! A structured generator of small, terminating, deterministic Lua programs from bytes, shared
//! by the `roundtrip` and `differential` fuzz targets and the bounded differential property in
//! `tests/differential.rs` (each includes this file with `#[path]`, so it is defined once).
//!
//! Design note. Raw bytes as source almost never compile; this reads the bytes as a sequence
//! of choices in a small grammar (statements, typed expressions) so nearly every input is a
//! program that runs. Programs touch arithmetic (integer/float edge cases), strings and
//! patterns, tables, closures with upvalues, coroutines (yields across `pcall`), metatables
//! (arithmetic, comparison, `__index`, `__call`, `__concat`, `__len`, `__tostring`,
//! `__close`), metamethods that yield (every one an instruction calls, driven by a
//! coroutine), finalizers (counting, resurrecting, raising) and weak tables (observed only
//! after two full collections: when other collections run depends on step sizes), `load` (strings, reader functions, `env`, syntax and run-time errors),
//! varargs, `utf8`, `string.pack`/`unpack`, `pcall`/`error`/`xpcall`, loops and `goto`.
//! Yields only leave metamethods the VM calls from an instruction: PUC-Rio Lua refuses a yield
//! from `__tostring`, a `sort` comparator or a `gsub` callback (a C call without a
//! continuation) where telelua allows it, a deliberate difference the differential target
//! must not report. Every loop has a small constant
//! bound, functions never recurse and strings are cut after each assignment, so programs end
//! quickly. Nothing printed depends on addresses, `pairs` order over hash parts, time or
//! random numbers: the output is the same in every Lua 5.4. When the bytes run out every
//! choice is 0, which ends the program.
#![allow(dead_code)]

/// Reads choices from fuzz bytes (0 once they run out).
pub struct Choices<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Choices<'a> {
    /// Choices read from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Choices { data, pos: 0 }
    }

    /// The next byte, 0 after the end.
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    /// True when every byte has been read.
    pub fn exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// One of `items`.
    pub fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.below(items.len())]
    }
}

/// Deterministic pseudo-random bytes for seed `seed` (splitmix64), for properties that want
/// programs without a fuzzer.
pub fn seed_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.extend_from_slice(&z.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Definitions every generated program starts with (the names the grammar uses).
const PRELUDE: &str = r#"local a, b, c = 1, 2.5, -3
local s, u = "abc", "x y z"
local t = {3, 1, 2}
local cnt = 0
local function f(x) cnt = cnt + 1 return x * 2 + cnt end
local function g(...) return select('#', ...), ... end
local MT = {}
local function val(x) if type(x) == "table" then return x.v end return x end
MT.__add = function(x, y) return val(x) + val(y) end
MT.__sub = function(x, y) return val(x) - val(y) end
MT.__unm = function(x) return -x.v end
MT.__concat = function(x, y) return "<" .. tostring(val(x)) .. "|" .. tostring(val(y)) .. ">" end
MT.__index = function(o, k) return "idx:" .. tostring(k) end
MT.__eq = function(x, y) return x.v == y.v end
MT.__lt = function(x, y) return val(x) < val(y) end
MT.__le = function(x, y) return val(x) <= val(y) end
MT.__len = function(x) return 10 end
MT.__call = function(self, y) return self.v + y end
MT.__tostring = function(x) return "obj" .. tostring(x.v) end
MT.__close = function(x, e) print("close", x.v, e) end
local m = setmetatable({v = 1}, MT)
local m2 = setmetatable({v = 2}, MT)
local YMT = {}
YMT.__index = function(o, k) return coroutine.yield("index", k) end
YMT.__newindex = function(o, k, v) coroutine.yield("newindex", k, v) end
YMT.__add = function(x, y) return coroutine.yield("add") end
YMT.__unm = function(x) return coroutine.yield("unm") end
YMT.__concat = function(x, y) return coroutine.yield("concat") end
YMT.__eq = function(x, y) return coroutine.yield("eq") end
YMT.__lt = function(x, y) return coroutine.yield("lt") end
YMT.__le = function(x, y) return coroutine.yield("le") end
YMT.__len = function(x) return coroutine.yield("len") end
YMT.__call = function(self, ...) return coroutine.yield("call", ...) end
YMT.__close = function(x, e) coroutine.yield("close") end
local y1, y2 = setmetatable({}, YMT), setmetatable({}, YMT)
local fin, kept = 0, 0
local FMT = {__gc = function(o) fin = fin + 1 end}
local RMT = {__gc = function(o) kept = kept + 1 o.back = o end}
local NMT, EMT = {__gc = type}, {__gc = error}
local weakk, weakv, nweak = setmetatable({}, {__mode = "k"}), setmetatable({}, {__mode = "v"}), 0
local function garbage(n, mt) for i = 1, n do local o = setmetatable({v = i}, mt) weakk[o] = i nweak = nweak + 1 weakv[nweak] = o end end
local function wcount(w) local n = 0 for _ in pairs(w) do n = n + 1 end return n end
"#;

/// What every generated program ends with before its summary line: two full collections, so
/// finalizers and weak entries are settled whatever collections ran before (their timing
/// depends on step sizes, and only full collections make the state exact).
const EPILOGUE: &str =
    "collectgarbage() collectgarbage() print(\"gc\", fin, kept, wcount(weakk), wcount(weakv))\n";

/// Longest generated program, in statements.
const MAX_STATEMENTS: usize = 40;

/// Generates a program from `data`: the prelude, then statements until the bytes run out.
pub fn program(data: &[u8]) -> String {
    let mut g = Gen {
        c: Choices::new(data),
        out: String::from(PRELUDE),
        loop_vars: 0,
        in_function: false,
    };
    let mut n = 0;
    while !g.c.exhausted() && n < MAX_STATEMENTS {
        g.top_statement();
        n += 1;
    }
    g.out.push_str(EPILOGUE);
    g.out.push_str("print(a, b, c, s, u, #t, m.v, m2.v, cnt)\n");
    g.out
}

struct Gen<'a> {
    c: Choices<'a>,
    out: String,
    /// Loop variables `i1 ..= iN` in scope.
    loop_vars: usize,
    /// Inside a `function` body (`return` and `coroutine.yield` are meaningful).
    in_function: bool,
}

/// Small integer and float literals, edge cases included.
const INTS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "7",
    "10",
    "255",
    "-8",
    "100",
    "math.maxinteger",
    "math.mininteger",
    "0x7fffffff",
    "-0x80000000",
    "1 << 62",
];
const FLOATS: &[&str] = &[
    "0.5",
    "-0.0",
    "3.0",
    "1e15",
    "1e16",
    "2^53",
    "1e300",
    "-2.25",
    "0.1",
    "1/0",
    "-1/0",
    "math.pi",
    "1e-7",
    "123456.789",
];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"ab\"",
    "\"hello world\"",
    "\"10\"",
    "\"0x1F\"",
    "\"  5  \"",
    "\"1e2\"",
    "\"a\\0b\"",
    "\"%d\"",
    "\"3.5\"",
    "\"x,y,,z\"",
    "\"(a)(b)\"",
    "\"\\n\\t\\\"\"",
    "\"abc123def\"",
];
const PATTERNS: &[&str] = &[
    "\"a\"",
    "\"%a+\"",
    "\"(%d+)\"",
    "\"^a\"",
    "\"b$\"",
    "\".-\"",
    "\"(.)(.)\"",
    "\"%s*\"",
    "\"[%a,]+\"",
    "\"[^a]\"",
    "\"()b\"",
    "\"%bxy\"",
    "\"%f[%w]%w+\"",
    "\"(a*(.)%w(%s*))\"",
    "\"x?y\"",
    "\"%\"",
    "\"[a\"",
    "\"(()\"",
    "\"%1\"",
    "\"a-b\"",
    "\"%u\"",
    "\"[%d%.]+\"",
];
const REPLS: &[&str] = &[
    "\"%0%0\"",
    "\"<%1>\"",
    "\"\"",
    "\"%%\"",
    "\"%2\"",
    "\"%x\"",
    "{a = \"A\", b = 1}",
    "function(x) return x:upper() end",
    "function(x) return nil end",
    "function() return {} end",
];
/// Sources `load` refuses (each error message is compared).
const BAD_CHUNKS: &[&str] = &[
    "return 1 +",
    "x = = 1",
    "return 'abc",
    "goto nowhere",
    "local x <foo> = 1",
    "for i = 1 do end",
    "return 0x",
    "break",
    "::a:: ::a::",
    "return ... + 1 end",
    "local function f() return end end",
    "x = }",
    "return [==[",
    "return \"\\q\"",
    "local t = {1, 2,, 3}",
];
/// Code points for `utf8.char` (out-of-range ones raise).
const CODEPOINTS: &[&str] = &[
    "72",
    "0",
    "0xE9",
    "0x20AC",
    "0x10FFFF",
    "0x7FFFFFFF",
    "0x80000000",
    "-1",
    "0xD800",
    "127",
    "128",
    "2047",
    "2048",
    "65535",
    "65536",
];
/// Strings for `utf8` functions: valid, and invalid in ways every 5.4 release reports alike
/// (nothing starting with a stray continuation byte, which later releases treat differently).
const UTF8S: &[&str] = &[
    "\"h\\u{E9}llo\"",
    "\"\\u{65E5}\\u{672C}\"",
    "\"\\u{10FFFF}x\"",
    "\"\"",
    "\"abc\"",
    "\"a\\xffb\"",
    "\"a\\xC0\\x80\"",
    "\"\\xF4\\x90\\x80\\x80\"",
    "\"\\u{7FFFFFFF}\"",
    "\"x\\xE2\\x82\"",
];
/// `string.pack` formats, with the kind of value each takes (`i`: integer, `n`: number,
/// `s`: string, `-`: none).
const PACK_FORMATS: &[(&str, char)] = &[
    ("\"i4\"", 'i'),
    ("\"<i2\"", 'i'),
    ("\">I8\"", 'i'),
    ("\"b\"", 'i'),
    ("\"B\"", 'i'),
    ("\"h\"", 'i'),
    ("\"j\"", 'i'),
    ("\"J\"", 'i'),
    ("\"<I3\"", 'i'),
    ("\"i16\"", 'i'),
    ("\">i9\"", 'i'),
    ("\"i17\"", 'i'),
    ("\"!4 b i4\"", 'i'),
    ("\"d\"", 'n'),
    ("\"<f\"", 'n'),
    ("\"n\"", 'n'),
    ("\"s1\"", 's'),
    ("\">s2\"", 's'),
    ("\"z\"", 's'),
    ("\"c5\"", 's'),
    ("\"c0\"", 's'),
    ("\"x\"", '-'),
    ("\"Xi4\"", '-'),
    ("\"!3 i4\"", 'i'),
    ("\"=!8 d\"", 'n'),
    ("\"q\"", 'i'),
];
/// Expressions whose evaluation calls a metamethod of `y1`/`y2` that yields.
const YIELDING: &[&str] = &[
    "y1.foo",
    "y1[1]",
    "y1 + 1",
    "2 + y1",
    "-y1",
    "y1 .. 'x'",
    "'a' .. y1 .. 'b' .. 1",
    "y1 == y2",
    "y1 ~= y2",
    "y1 < 1",
    "y1 <= y2",
    "1 > y1",
    "#y1",
    "y1(1, 2)",
    "(y1 < 1) and 'yes' or 'no'",
    "not (y1 == y2)",
    "select('#', y1(nil, nil))",
    "y1.a + y2.b",
    "pcall(function() return y1 + y2 end)",
];
/// Statements whose execution calls a metamethod of `y1`/`y2` that yields.
const YIELDING_STATEMENTS: &[&str] = &[
    "y1.k = 5",
    "y1[2] = nil",
    "do local c <close> = y1 print('in scope') end",
    "for i = 1, #y1 % 5 do print('loop', i) end",
    "if y1 < y2 then print('lt') else print('ge') end",
    "local ok, e = pcall(function() local c <close> = y1 error('inside') end) print(ok, e)",
];
const ARITH: &[&str] = &["+", "-", "*", "/", "//", "%", "^"];
const BITS: &[&str] = &["&", "|", "~", "<<", ">>"];
const CMP: &[&str] = &["<", "<=", ">", ">=", "==", "~="];
const FORMATS: &[&str] = &[
    "\"%d\"",
    "\"%5.1f\"",
    "\"%g\"",
    "\"%x\"",
    "\"%q\"",
    "\"%.3f\"",
    "\"%i|%s\"",
    "\"%-5d|\"",
    "\"%e\"",
    "\"%a\"",
    "\"%c\"",
    "\"%o\"",
    "\"%10.4s|\"",
    "\"%%\"",
    "\"%.14g\"",
    "\"%5s\"",
];

impl Gen<'_> {
    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn small(&mut self) -> usize {
        self.c.below(4)
    }

    /// A top-level statement: usually wrapped in `pcall` so one error does not end the
    /// program, sometimes bare (an error then ends it, which is compared too).
    fn top_statement(&mut self) {
        if self.c.below(16) == 0 {
            self.statement(0);
        } else {
            self.line("print(pcall(function()");
            let was = std::mem::replace(&mut self.in_function, true);
            self.statement(0);
            self.in_function = was;
            self.line("end))");
        }
    }

    fn block(&mut self, depth: usize) {
        let n = 1 + self.c.below(3);
        for _ in 0..n {
            self.statement(depth + 1);
        }
    }

    fn statement(&mut self, depth: usize) {
        let kinds = if depth >= 3 { 8 } else { 23 };
        match self.c.below(kinds) {
            0 => {
                let e = self.any(0);
                let e2 = self.num(0);
                self.line(&format!("print({e}, {e2})"));
            }
            1 => {
                let e = self.num(0);
                let v = self.c.pick(&["a", "b", "c", "m.v"]);
                self.line(&format!("{v} = {e}"));
            }
            2 => {
                let e = self.str(0);
                let v = self.c.pick(&["s", "u"]);
                self.line(&format!("{v} = string.sub({e}, 1, 40)"));
            }
            3 => self.table_statement(),
            4 => self.string_statement(),
            5 => self.number_statement(),
            6 => self.error_statement(),
            7 => self.meta_statement(),
            8 => {
                let k = self.small();
                self.loop_vars += 1;
                let i = self.loop_vars;
                let step = self.c.pick(&["", ", 1", ", 2", ", -1"]);
                let (from, to) = if step == ", -1" { (k, 1) } else { (1, k) };
                self.line(&format!("for i{i} = {from}, {to}{step} do"));
                self.block(depth);
                self.line("end");
                self.loop_vars -= 1;
            }
            9 => {
                let cond = self.boolean(0);
                self.line(&format!("if {cond} then"));
                self.block(depth);
                if self.c.below(2) == 0 {
                    self.line("else");
                    self.block(depth);
                }
                self.line("end");
            }
            10 => {
                let k = self.small();
                self.line(&format!("do local n = 0 while n < {k} do n = n + 1"));
                self.block(depth);
                if self.c.below(3) == 0 {
                    self.line("if n == 2 then break end");
                }
                self.line("end end");
            }
            11 => {
                let k = 1 + self.small();
                self.line(&format!(
                    "do local n = 0 ::top:: n = n + 1 if n < {k} then goto top end print(\"goto\", n) end"
                ));
            }
            12 => self.closure_statement(depth),
            13 => self.coroutine_statement(depth),
            14 => {
                // A to-be-closed variable around a block that may raise.
                self.line("do local x <close> = m");
                self.block(depth);
                self.line("end");
            }
            15 => {
                let e = self.num(0);
                self.line(&format!(
                    "local r = {{g({e}, nil, {e})}} print(#r, r[1], r[3])"
                ));
            }
            16 => self.load_statement(),
            17 => self.utf8_statement(),
            18 => self.pack_statement(),
            19 => self.vararg_statement(),
            20 => self.meta_yield_statement(),
            21 => self.gc_statement(),
            _ => {
                let e = self.any(0);
                self.line(&format!("print(pcall(function() return {e} end))"));
            }
        }
    }

    /// Finalizers (counting, resurrecting, raising; natives that return or raise at once, by
    /// the hundred) and weak tables, observed only after two full collections (see
    /// [`EPILOGUE`]); strings in weak tables are never removed.
    fn gc_statement(&mut self) {
        let k = 1 + self.small();
        match self.c.below(7) {
            5 => self.line(&format!("garbage({}, NMT)", 100 * k)),
            6 => self.line(&format!("garbage({}, EMT)", 100 * k)),
            0 => self.line(&format!("garbage({k}, FMT)")),
            1 => self.line(&format!("garbage({k}, RMT)")),
            2 => self.line(&format!(
                "garbage({k}, {{__gc = function(o) fin = fin + 1 error('in gc ' .. o.v) end}})"
            )),
            3 => self.line(&format!(
                "weakk['s{k}'] = {k} nweak = nweak + 1 weakv[nweak] = 's{k}'"
            )),
            _ => self.line(&format!(
                "{}print(\"gc\", fin, kept, wcount(weakk), wcount(weakv))",
                "collectgarbage() collectgarbage() "
            )),
        }
    }

    fn table_statement(&mut self) {
        match self.c.below(9) {
            0 => {
                let e = self.c.pick(INTS);
                self.line(&format!("t[#t + 1] = {e}"));
            }
            1 => {
                let e = self.c.pick(FLOATS);
                self.line(&format!("table.insert(t, {e})"));
            }
            2 => self.line("print(table.remove(t))"),
            3 => {
                let sep = self.c.pick(STRINGS);
                self.line(&format!("print(pcall(table.concat, t, {sep}))"));
            }
            4 => self.line("print(pcall(table.sort, t)) print(table.concat(t, \" \"))"),
            5 => self.line(
                "print(pcall(table.sort, t, function(x, y) return x > y end)) print(table.concat(t, \" \"))",
            ),
            6 => {
                let i = self.num(1);
                self.line(&format!("print(pcall(table.insert, t, {i}, 5)) print(#t)"));
            }
            7 => self.line("print(table.unpack(t, 1, 4)) print(select('#', table.unpack(t)))"),
            _ => self.line(
                "do local ks = {} for k, v in pairs(m) do ks[#ks + 1] = tostring(k) .. '=' .. tostring(v) end table.sort(ks) print(table.concat(ks, ' ')) end",
            ),
        }
    }

    fn string_statement(&mut self) {
        let s = self.str(0);
        match self.c.below(8) {
            0 => {
                let p = self.c.pick(PATTERNS);
                let i = self.c.pick(&["1", "2", "-2", "10", "0"]);
                self.line(&format!("print(pcall(string.find, {s}, {p}, {i}))"));
            }
            1 => {
                let p = self.c.pick(PATTERNS);
                self.line(&format!("print(pcall(string.match, {s}, {p}))"));
            }
            2 => {
                let p = self.c.pick(PATTERNS);
                let r = self.c.pick(REPLS);
                let n = self.c.pick(&["", ", 1", ", 0", ", 2"]);
                self.line(&format!("print(pcall(string.gsub, {s}, {p}, {r}{n}))"));
            }
            3 => {
                let p = self.c.pick(PATTERNS);
                self.line(&format!(
                    "print(pcall(function() local r = {{}} for x, y in string.gmatch({s}, {p}) do r[#r + 1] = tostring(x) .. ':' .. tostring(y) end return table.concat(r, ',') end))"
                ));
            }
            4 => {
                let fmt = self.c.pick(FORMATS);
                let e = self.any(1);
                self.line(&format!("print(pcall(string.format, {fmt}, {e}))"));
            }
            5 => {
                let i = self.num(1);
                let j = self.num(1);
                self.line(&format!(
                    "print(pcall(string.sub, {s}, {i}, {j})) print(#{s}, ({s}):upper(), ({s}):rep(2, '-'))"
                ));
            }
            6 => self.line(&format!(
                "print(pcall(string.byte, {s}, 1, -1)) print(({s}):reverse(), ({s}):len())"
            )),
            _ => {
                let e = self.num(1);
                self.line(&format!(
                    "print(pcall(string.char, 65, {e})) print(tonumber({s}), tostring({s}) == {s})"
                ));
            }
        }
    }

    fn number_statement(&mut self) {
        let x = self.num(1);
        let y = self.num(1);
        match self.c.below(6) {
            0 => self.line(&format!(
                "print(math.type({x}), math.tointeger({x}), math.floor({x}) == {x})"
            )),
            1 => self.line(&format!("print(pcall(math.fmod, {x}, {y}))")),
            2 => self.line(&format!(
                "print(math.max({x}, {y}), math.min({x}, {y}), math.abs({x}))"
            )),
            3 => self.line(&format!(
                "print(pcall(math.floor, {x}), pcall(math.ceil, {y}))"
            )),
            4 => self.line(&format!(
                "print({x} // 1, {x} % 3, {x} == {y}, {x} < {y}, ({x}) .. '')"
            )),
            _ => self.line(&format!(
                "print(pcall(function() return {x} | 0, {y} >> 1 end))"
            )),
        }
    }

    fn error_statement(&mut self) {
        match self.c.below(7) {
            0 => {
                let e = self.str(0);
                let lvl = self.c.pick(&["", ", 0", ", 1", ", 2"]);
                self.line(&format!("print(pcall(error, {e}{lvl}))"));
            }
            1 => {
                let e = self.num(0);
                self.line(&format!("print(pcall(error, {e}))"));
            }
            2 => {
                let e = self.num(0);
                self.line(&format!(
                    "do local ok, e = pcall(error, {{code = {e}}}) print(ok, type(e), e.code) end"
                ));
            }
            3 => {
                let e = self.str(0);
                self.line(&format!(
                    "print(xpcall(function() error({e}) end, function(msg) return 'handled: ' .. tostring(msg) end))"
                ));
            }
            4 => self.line("print(pcall(error)) print(select('#', pcall(error, nil)))"),
            5 => {
                let e = self.str(0);
                self.line(&format!("print(pcall(function() local x = {e} error(x, 1) end))"));
            }
            _ => self.line("print(pcall(pcall)) print(pcall(assert, false, 'assert msg')) print(pcall(assert, 1 == 1, 'no'))"),
        }
    }

    fn meta_statement(&mut self) {
        let e = self.num(1);
        match self.c.below(7) {
            0 => self.line(&format!("print(m + {e}, {e} + m, m - m2, -m)")),
            1 => self.line(&format!("print(m .. {e}, 'x' .. m, m .. m2)")),
            2 => self.line(&format!(
                "print(m == m2, m < m2, m <= m2, m < {e}, {e} <= m)"
            )),
            3 => self.line(&format!(
                "print(m.zz, m[{e}], #m, m({e}), tostring(m), rawget(m, 'zz'))"
            )),
            4 => self.line(&format!("m2.v = {e} print(m2, rawequal(m, m2), rawlen(m))")),
            5 => self.line("print(getmetatable(m) == MT, getmetatable('x').__index == string)"),
            _ => self.line(&format!(
                "do local o = setmetatable({{}}, {{__index = m}}) print(o.v, o.w, o[{e}]) end"
            )),
        }
    }

    fn closure_statement(&mut self, depth: usize) {
        let e = self.num(1);
        let k = self.small();
        self.line(&format!(
            "do local acc = {e} local function h(x) acc = acc + x return acc end"
        ));
        self.line(&format!("for i = 1, {k} do print(pcall(h, i)) end"));
        if depth < 2 && self.c.below(2) == 0 {
            let was = std::mem::replace(&mut self.in_function, true);
            self.line("local function k2(y)");
            self.block(depth + 1);
            self.line("return y end");
            self.in_function = was;
            let arg = self.num(1);
            self.line(&format!("print(pcall(k2, {arg}))"));
        }
        self.line("print(acc, pcall(f, acc)) end");
    }

    fn coroutine_statement(&mut self, depth: usize) {
        let k = self.small();
        let calls = k + 1 + self.c.below(2);
        self.line("do local co = coroutine.create(function(x)");
        self.line(&format!("for i = 1, {k} do"));
        match self.c.below(3) {
            0 => self.line("x = coroutine.yield(x, i)"),
            1 => self.line("print(pcall(function() x = coroutine.yield(x + i) end))"),
            _ => self.line("local ok, v = pcall(coroutine.yield, i) x = v"),
        }
        if depth < 2 && self.c.below(2) == 0 {
            let was = std::mem::replace(&mut self.in_function, true);
            self.block(depth + 1);
            self.in_function = was;
        }
        self.line("end");
        if self.c.below(3) == 0 {
            self.line("error('co failed')");
        }
        self.line("return 'done', x end)");
        for n in 0..calls {
            let e = self.num(1);
            let _ = n;
            self.line(&format!(
                "print(coroutine.resume(co, {e})) print(coroutine.status(co))"
            ));
        }
        if self.c.below(2) == 0 {
            self.line("print(coroutine.close(co), coroutine.status(co))");
        }
        self.line("end");
        if self.c.below(3) == 0 {
            let e = self.num(1);
            self.line(&format!(
                "do local w = coroutine.wrap(function(x) while true do x = coroutine.yield(x * 2) end end) print(w({e}), w(2), pcall(w, 'q')) end"
            ));
        }
    }

    fn load_statement(&mut self) {
        match self.c.below(7) {
            0 => {
                let e = self.num(1);
                self.line(&format!(
                    "do local fn, err = load([==[return {e}]==], \"=expr\") if fn then print(pcall(fn)) else print(err) end end"
                ));
            }
            1 => {
                let src = self.c.pick(BAD_CHUNKS);
                self.line(&format!("print(load([==[{src}]==]))"));
            }
            2 => {
                let e = self.num(1);
                self.line(&format!(
                    "do local env = {{x = {e}}} local fn = load(\"x = x + 1 return x, y\", \"=env\", \"t\", env) print(pcall(fn)) print(env.x, x) end"
                ));
            }
            3 => {
                let e = self.str(1);
                let k = 1 + self.c.below(5);
                self.line(&format!(
                    "do local src, i = [==[return {e}]==], 0 local fn, err = load(function() i = i + 1 return src:sub(i * {k} - {k} + 1, i * {k}) end, \"=reader\") if fn then print(pcall(fn)) else print(err) end end"
                ));
            }
            4 => self.line("print(load(\"return 1\", \"=bin\", \"b\")) print(pcall(load, \"return 1\", \"x\", \"q\"))"),
            5 => {
                let e = self.num(1);
                self.line(&format!(
                    "print(load(\"return select('#', ...), ...\")({e}, nil, 3))"
                ));
            }
            _ => {
                let e = self.str(1);
                self.line(&format!(
                    "print(pcall(load(\"error(..., 2)\", \"=raiser\"), {e})) print(pcall(load(\"local a = ... return function(b) return a .. b end\")(1), {e}))"
                ));
            }
        }
    }

    fn utf8_statement(&mut self) {
        let u = self.c.pick(UTF8S);
        match self.c.below(6) {
            0 => {
                let n = 1 + self.c.below(3);
                let cps: Vec<&str> = (0..n).map(|_| self.c.pick(CODEPOINTS)).collect();
                self.line(&format!(
                    "print(pcall(function() local r = utf8.char({}) return #r, r:byte(1, -1) end))",
                    cps.join(", ")
                ));
            }
            1 => {
                let i = self.c.pick(&["1", "2", "-1", "0", "10"]);
                let lax = self.c.pick(&["", ", true"]);
                self.line(&format!(
                    "print(pcall(utf8.len, {u}, {i}, -1{lax}))"
                ));
            }
            2 => {
                let i = self.c.pick(&["1", "2", "-1", "0"]);
                let j = self.c.pick(&["1", "-1", "3", "100"]);
                self.line(&format!("print(pcall(utf8.codepoint, {u}, {i}, {j}))"));
            }
            3 => {
                let n = self.c.pick(&["1", "2", "-1", "0", "3", "-3"]);
                let i = self.c.pick(&["", ", 1", ", 2", ", -1"]);
                self.line(&format!("print(pcall(utf8.offset, {u}, {n}{i}))"));
            }
            4 => {
                let u = self.c.pick(&UTF8S[..5]);
                self.line(&format!(
                    "print(pcall(function() local r = {{}} for p, c in utf8.codes({u}) do r[#r + 1] = p .. ':' .. c end return table.concat(r, ' ') end))"
                ));
            }
            _ => self.line(&format!(
                "do local r = {{}} for ch in string.gmatch({u}, utf8.charpattern) do r[#r + 1] = #ch end print(table.concat(r, ','), #utf8.charpattern) end"
            )),
        }
    }

    fn pack_statement(&mut self) {
        let (fmt, kind) = PACK_FORMATS[self.c.below(PACK_FORMATS.len())];
        let arg = match kind {
            'i' => format!(", {}", self.c.pick(INTS)),
            'n' => format!(", {}", self.num(1)),
            's' => format!(", {}", self.str(1)),
            _ => String::new(),
        };
        match self.c.below(4) {
            0 => self.line(&format!(
                "print(pcall(function() local p = string.pack({fmt}{arg}) return #p, string.unpack({fmt}, p) end))"
            )),
            1 => self.line(&format!("print(pcall(string.packsize, {fmt}))")),
            2 => {
                let data = self.str(1);
                let pos = self.c.pick(&["", ", 1", ", 2", ", -2", ", 100"]);
                self.line(&format!(
                    "print(pcall(string.unpack, {fmt}, {data}{pos}))"
                ));
            }
            _ => self.line(&format!(
                "print(pcall(function() return string.pack({fmt}{arg}):byte(1, -1) end))"
            )),
        }
    }

    fn vararg_statement(&mut self) {
        let e = self.num(1);
        let e2 = self.any(1);
        match self.c.below(6) {
            0 => self.line(&format!(
                "do local function v(...) local x, y = ... return select('#', ...), x, y, ... end print(v({e}, nil, {e2})) print(v()) print((v(1, 2))) end"
            )),
            1 => {
                let n = self.c.pick(&["1", "2", "-1", "-3", "0", "4", "-4", "'#'"]);
                self.line(&format!("print(pcall(select, {n}, {e}, nil, {e2}))"));
            }
            2 => self.line(&format!(
                "do local function v(...) return table.pack(...) end local p = v({e}, nil, nil) print(p.n, p[1], p[3]) end"
            )),
            3 => {
                let n = self.c.pick(&["0", "1", "3", "5", "-1"]);
                self.line(&format!(
                    "print(select('#', table.unpack({{1, nil, {e}}}, 1, {n})))"
                ));
            }
            4 => self.line(&format!(
                "do local function v(...) return ... end local function w(...) return v(...) end print(w({e}, {e2}, nil)) print(select('#', w(nil, nil))) end"
            )),
            _ => self.line(&format!(
                "print(coroutine.wrap(function(...) local n = select('#', ...) return n, coroutine.yield(...) end)({e}, nil, 3))"
            )),
        }
    }

    /// A coroutine whose body evaluates expressions whose metamethods yield, resumed until
    /// it ends; every resume's results are printed.
    fn meta_yield_statement(&mut self) {
        self.line("do local co = coroutine.create(function(...)");
        for _ in 0..1 + self.c.below(3) {
            if self.c.below(3) == 0 {
                let st = self.c.pick(YIELDING_STATEMENTS);
                self.line(st);
            } else {
                let e = self.c.pick(YIELDING);
                self.line(&format!("print('got', {e})"));
            }
        }
        self.line("return 'end' end)");
        let v = self
            .c
            .pick(&["i * 10", "i % 2 == 0", "'v' .. i", "nil", "i, i + 1"]);
        self.line(&format!(
            "for i = 1, 12 do local r = table.pack(coroutine.resume(co, {v})) print(table.unpack(r, 1, r.n)) if coroutine.status(co) == 'dead' then break end end end"
        ));
    }

    /// A number-valued expression (may raise: integer division by zero, bitwise on a float
    /// without integer value, overflowing conversions).
    fn num(&mut self, depth: usize) -> String {
        let leaf = depth >= 3 || self.c.below(3) == 0;
        if leaf {
            return match self.c.below(7) {
                0 | 1 => self.c.pick(INTS).to_string(),
                2 => self.c.pick(FLOATS).to_string(),
                3 => self.c.pick(&["a", "b", "c", "m.v", "cnt"]).to_string(),
                4 => {
                    if self.loop_vars > 0 {
                        format!("i{}", 1 + self.c.below(self.loop_vars))
                    } else {
                        "#t".to_string()
                    }
                }
                5 => self.c.pick(&["#s", "#t", "#u"]).to_string(),
                _ => "a".to_string(),
            };
        }
        match self.c.below(10) {
            0 | 1 | 2 => {
                let op = self.c.pick(ARITH);
                let x = self.num(depth + 1);
                let y = self.num(depth + 1);
                format!("({x} {op} {y})")
            }
            3 => {
                let op = self.c.pick(BITS);
                let x = self.num(depth + 1);
                let y = self.num(depth + 1);
                format!("({x} {op} {y})")
            }
            4 => {
                let x = self.num(depth + 1);
                let op = self.c.pick(&["-", "~"]);
                format!("({op}{x})")
            }
            5 => {
                let x = self.num(depth + 1);
                let fun = self.c.pick(&[
                    "math.floor",
                    "math.abs",
                    "math.ult(1, 2) and math.ceil or math.floor",
                    "f",
                ]);
                format!("({fun})({x})")
            }
            6 => {
                let s = self.str(depth + 1);
                format!("(tonumber({s}) or 0)")
            }
            7 => {
                let s = self.str(depth + 1);
                format!("#{s}")
            }
            8 => {
                let x = self.num(depth + 1);
                let y = self.num(depth + 1);
                format!("math.max({x}, {y})")
            }
            _ => {
                let x = self.num(depth + 1);
                format!("(select(2, g(1, {x})))")
            }
        }
    }

    /// A string-valued expression (may raise through coercions).
    fn str(&mut self, depth: usize) -> String {
        let leaf = depth >= 3 || self.c.below(3) == 0;
        if leaf {
            return match self.c.below(4) {
                0 | 1 => self.c.pick(STRINGS).to_string(),
                2 => self.c.pick(&["s", "u"]).to_string(),
                _ => "tostring(m)".to_string(),
            };
        }
        match self.c.below(8) {
            0 | 1 => {
                let x = self.str(depth + 1);
                let y = self.str(depth + 1);
                format!("({x} .. {y})")
            }
            2 => {
                let x = self.str(depth + 1);
                let y = self.num(depth + 1);
                format!("({x} .. {y})")
            }
            3 => {
                let x = self.num(depth + 1);
                format!("tostring({x})")
            }
            4 => {
                let x = self.str(depth + 1);
                let k = self.small();
                format!("string.rep({x}, {k}, ',')")
            }
            5 => {
                let x = self.str(depth + 1);
                let i = self.num(depth + 1);
                format!("string.sub({x}, {i})")
            }
            6 => {
                let x = self.str(depth + 1);
                let p = self.c.pick(PATTERNS);
                format!("(select(1, string.gsub({x}, {p}, '#')))")
            }
            _ => {
                let x = self.num(depth + 1);
                format!("string.format('%g', {x})")
            }
        }
    }

    fn boolean(&mut self, depth: usize) -> String {
        match self.c.below(6) {
            0 | 1 => {
                let op = self.c.pick(CMP);
                let x = self.num(depth + 1);
                let y = self.num(depth + 1);
                format!("{x} {op} {y}")
            }
            2 => {
                let op = self.c.pick(CMP);
                let x = self.str(depth + 1);
                let y = self.str(depth + 1);
                format!("{x} {op} {y}")
            }
            3 => {
                let x = self.num(depth + 1);
                format!("math.type({x}) == 'integer'")
            }
            4 if depth < 2 => {
                let x = self.boolean(depth + 1);
                let y = self.boolean(depth + 1);
                let op = self.c.pick(&["and", "or"]);
                format!("({x} {op} not ({y}))")
            }
            _ => "m < m2".to_string(),
        }
    }

    /// An expression of any type, sometimes one that raises (a wrong type for an operator).
    fn any(&mut self, depth: usize) -> String {
        match self.c.below(8) {
            0 | 1 => self.num(depth),
            2 | 3 => self.str(depth),
            4 => self.boolean(depth),
            5 => {
                let op = self.c.pick(ARITH);
                let x = self
                    .c
                    .pick(&["t", "nil", "true", "s", "m", "{}", "print", "'x'"]);
                let y = self.num(depth + 1);
                format!("({x} {op} {y})")
            }
            6 => {
                let x = self.c.pick(&[
                    "t.x.y",
                    "nil .. 1",
                    "({}) < 1",
                    "s.x.y",
                    "undefinedglobal()",
                    "a()",
                    "#a",
                    "t < t",
                    "m < 's'",
                    "(1 < 'x')",
                    "('a' + 1)",
                    "(t .. '')",
                    "math.huge // 0",
                    "1 // 0",
                    "1 % 0",
                    "2^63 | 0",
                    "'1.5' | 1",
                    "string.rep('x', -1)",
                ]);
                x.to_string()
            }
            _ => {
                let x = self.num(depth + 1);
                format!("(m + {x})")
            }
        }
    }
}
