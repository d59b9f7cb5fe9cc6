//! `package`, `require`, `loadfile` and `dofile`: the standalone profile only (the sandbox
//! never reads the host's files).
//!
//! As in `lua`: `package.loaded` is the registry's `_LOADED` table (every opened library is
//! in it), `package.preload` the registry's `_PRELOAD`, `package.path`/`cpath` come from
//! `LUA_PATH_5_4`/`LUA_PATH` (`LUA_CPATH_5_4`/`LUA_CPATH`) with `;;` standing for the default
//! (the defaults alone when the host ignores the environment, `Host::ignore_env`: `lua -E`).
//! `package.searchers` holds the preload searcher, the Lua-file searcher and the two C
//! searchers; C libraries are never loaded: when the C searchers find a file, loading it fails
//! with Lua's "dynamic libraries not enabled" message (what `lua` built without `dlopen`
//! says). `package.loadlib` is absent.
//!
//! `require` calls searchers and the loader through continuations (`RequireCont::Search`,
//! `RequireCont::Loaded`), never by recursion into the interpreter. Files are read only when
//! the host allows it ([`crate::vm::state::Host::read_files`], set by the standalone profile).

use std::io::Read;

use gc_arena::Collect;
use serde::{Deserialize, Serialize};

use crate::limits::fuel as fuelc;
use crate::vm::cont::{uncaught, Cont, LibCont, LibContKind, LibSaved, MapValues};
use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::Ctx;
use crate::vm::table::Table;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Default `package.path` (Lua's `LUA_PATH_DEFAULT` for a `/usr/local` install).
pub const PATH_DEFAULT: &str =
    "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";
/// Default `package.cpath` (Lua's `LUA_CPATH_DEFAULT`).
pub const CPATH_DEFAULT: &str =
    "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";
/// `package.config`.
pub const CONFIG: &str = "/\n;\n?\n!\n-\n";
/// Registry key of `package.loaded` (defined by the core, which names functions by it).
pub use crate::vm::state::LOADED_KEY;
/// Registry key of `package.preload`.
pub const PRELOAD_KEY: &str = "_PRELOAD";

/// Globals (`require` gets the package table as its upvalue).
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "dofile",
        func: dofile,
    },
    NativeDef {
        name: "loadfile",
        func: loadfile,
    },
];

/// `require` (a closure over the package table).
pub static REQUIRE: NativeDef = NativeDef {
    name: "require",
    func: require,
};

/// The package table's functions.
pub static PACKAGE_FUNCS: &[NativeDef] = &[NativeDef {
    name: "package.searchpath",
    func: searchpath_native,
}];

/// The searchers, in `package.searchers` order (closures over the package table).
pub static SEARCHERS: &[NativeDef] = &[
    NativeDef {
        name: "package.searcher_preload",
        func: searcher_preload,
    },
    NativeDef {
        name: "package.searcher_Lua",
        func: searcher_lua,
    },
    NativeDef {
        name: "package.searcher_C",
        func: searcher_c,
    },
    NativeDef {
        name: "package.searcher_Croot",
        func: searcher_croot,
    },
];

/// The registry's `_LOADED` table, created on first use.
pub fn loaded_table<'gc>(ctx: Ctx<'gc>) -> Table<'gc> {
    registry_table(ctx, LOADED_KEY)
}

fn registry_table<'gc>(ctx: Ctx<'gc>, key: &str) -> Table<'gc> {
    let k = ctx.str_value(key);
    if let Value::Table(t) = ctx.state.registry.get(ctx.mc, k) {
        return t;
    }
    let t = ctx.new_table();
    let _ = ctx.state.registry.set(ctx.mc, k, Value::Table(t));
    t
}

/// The value of environment variable `name`, if set.
fn env_var(name: &str) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStringExt;
    std::env::var_os(name).map(|s| s.into_vec())
}

/// `setpath`: the versioned variable, else the plain one, with `;;` replaced by the default.
fn path_from_env(env: &str, default: &str) -> Vec<u8> {
    let Some(path) = env_var(&format!("{env}_5_4")).or_else(|| env_var(env)) else {
        return default.as_bytes().to_vec();
    };
    let Some(mark) = path.windows(2).position(|w| w == b";;") else {
        return path;
    };
    let mut out = Vec::new();
    if mark > 0 {
        out.extend_from_slice(&path[..mark]);
        out.push(b';');
    }
    out.extend_from_slice(default.as_bytes());
    if mark + 2 < path.len() {
        out.push(b';');
        out.extend_from_slice(&path[mark + 2..]);
    }
    out
}

/// Opens `package` and the globals `require`, `loadfile`, `dofile`.
pub fn open<'gc>(ctx: Ctx<'gc>) {
    let pkg = super::new_lib(ctx, "package", PACKAGE_FUNCS);
    let set = |k: &str, v: Value<'gc>| {
        let _ = pkg.set(ctx.mc, ctx.str_value(k), v);
    };
    set("loaded", Value::Table(loaded_table(ctx)));
    set("preload", Value::Table(registry_table(ctx, PRELOAD_KEY)));
    set("config", ctx.str_value(CONFIG));
    let ignore_env = ctx.state.host.borrow().ignore_env;
    let path_of = |env: &str, default: &str| match ignore_env {
        true => default.as_bytes().to_vec(),
        false => path_from_env(env, default),
    };
    let path = path_of("LUA_PATH", PATH_DEFAULT);
    set("path", Value::Str(ctx.new_str(&path)));
    let cpath = path_of("LUA_CPATH", CPATH_DEFAULT);
    set("cpath", Value::Str(ctx.new_str(&cpath)));
    let searchers: Vec<Value> = SEARCHERS
        .iter()
        .map(|def| {
            let upvalues = Box::new([Value::Table(pkg)]);
            Value::Native(crate::vm::closure::NativeClosure::new(
                ctx.mc, def, upvalues,
            ))
        })
        .collect();
    let searchers = crate::vm::table::table_from(ctx, &searchers);
    set("searchers", Value::Table(searchers));
    let g = ctx.state.globals;
    super::register(ctx, g, FUNCS);
    let req =
        crate::vm::closure::NativeClosure::new(ctx.mc, &REQUIRE, Box::new([Value::Table(pkg)]));
    let _ = g.set(ctx.mc, ctx.str_value("require"), Value::Native(req));
}

fn files_allowed(nc: &NativeCtx<'_, '_>) -> bool {
    nc.ctx.state.host.borrow().read_files
}

/// The text of an OS error as C's `strerror` gives it (Rust appends " (os error N)").
pub fn os_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(p) => s[..p].to_string(),
        None => s,
    }
}

/// Whether `path` can be opened for reading (Lua's `readable`).
fn readable(nc: &NativeCtx<'_, '_>, path: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    files_allowed(nc) && std::fs::File::open(std::ffi::OsStr::from_bytes(path)).is_ok()
}

/// Reads a whole file (`None`: stdin), or Lua's "cannot open NAME: reason" message.
fn read_source(nc: &mut NativeCtx<'_, '_>, path: Option<&[u8]>) -> Result<Vec<u8>, String> {
    use std::os::unix::ffi::OsStrExt;
    let mut buf = Vec::new();
    match path {
        None => {
            let mut host = nc.ctx.state.host.borrow_mut();
            if let Err(e) = host.stdin.read_to_end(&mut buf) {
                return Err(format!("cannot read stdin: {}", os_error_text(&e)));
            }
        }
        Some(p) => {
            let shown = String::from_utf8_lossy(p);
            if !files_allowed(nc) {
                return Err(format!("cannot open {shown}: Permission denied"));
            }
            let r = std::fs::File::open(std::ffi::OsStr::from_bytes(p));
            let mut f = r.map_err(|e| format!("cannot open {shown}: {}", os_error_text(&e)))?;
            if let Err(e) = f.read_to_end(&mut buf) {
                return Err(format!("cannot read {shown}: {}", os_error_text(&e)));
            }
        }
    }
    nc.charge(buf.len() as i64 / fuelc::READER_BYTES_PER_FUEL);
    Ok(buf)
}

/// `luaL_loadfilex`: reads and compiles a file (skipping a BOM and a first `#` line). On
/// failure, the message.
fn load_file<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    path: Option<&[u8]>,
    mode: &[u8],
    env: Option<Value<'gc>>,
) -> LuaResult<'gc, Result<Value<'gc>, Value<'gc>>> {
    let src = match read_source(nc, path) {
        Ok(s) => s,
        Err(m) => return Ok(Err(nc.str_value(m.as_bytes()))),
    };
    let text = crate::compiler::file_source(&src);
    let name = match path {
        Some(p) => {
            let mut n = b"@".to_vec();
            n.extend_from_slice(p);
            n
        }
        None => b"=stdin".to_vec(),
    };
    super::base::finish_load(nc, &text, &name, mode, env)?;
    // finish_load left either the function or nil and a message in the window.
    Ok(match nc.arg(1) {
        f @ (Value::Function(_) | Value::Native(_) | Value::LightNative(_)) => Ok(f),
        _ => Err(nc.arg(2)),
    })
}

fn loadfile<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    let mode = match nc.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"bt".to_vec(),
    };
    let env = if nc.nargs() >= 3 {
        Some(nc.arg(3))
    } else {
        None
    };
    match load_file(nc, name.as_deref(), &mode, env)? {
        Ok(f) => nc.ret1(f),
        Err(m) => nc.ret(&[Value::Nil, m]),
    }
}

fn dofile<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    match load_file(nc, name.as_deref(), b"bt", None)? {
        Ok(f) => {
            nc.clear();
            Ok(Action::Call {
                func: f,
                cont: Cont::Results,
            })
        }
        Err(m) => Err(LuaError::Value(m)),
    }
}

/// Lua's `searchpath`: the first readable file, or the "no file '...'" list.
fn search_path(
    nc: &mut NativeCtx<'_, '_>,
    name: &[u8],
    path: &[u8],
    sep: &[u8],
    dirsep: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let name = if !sep.is_empty() && name.contains(&sep[0]) {
        replace(name, &sep[..1], dirsep)
    } else {
        name.to_vec()
    };
    let full = replace(path, b"?", &name);
    nc.charge(full.len() as i64 / fuelc::READER_BYTES_PER_FUEL + 1);
    for file in full.split(|&c| c == b';') {
        if file.is_empty() {
            continue;
        }
        if readable(nc, file) {
            return Ok(file.to_vec());
        }
    }
    let mut msg = b"no file '".to_vec();
    msg.extend_from_slice(&replace(&full, b";", b"'\n\tno file '"));
    msg.push(b'\'');
    Err(msg)
}

/// Replaces every occurrence of `pat` (non-empty) in `s` by `rep`.
fn replace(s: &[u8], pat: &[u8], rep: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if !pat.is_empty() && s[i..].starts_with(pat) {
            out.extend_from_slice(rep);
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

fn searchpath_native<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.check_str(1)?.as_bytes().to_vec();
    let path = nc.check_str(2)?.as_bytes().to_vec();
    let sep = nc
        .opt_str(3)?
        .map_or(b".".to_vec(), |s| s.as_bytes().to_vec());
    let rep = nc
        .opt_str(4)?
        .map_or(b"/".to_vec(), |s| s.as_bytes().to_vec());
    match search_path(nc, &name, &path, &sep, &rep) {
        Ok(f) => {
            let v = nc.str_value(&f);
            nc.ret1(v)
        }
        Err(m) => {
            let v = nc.str_value(&m);
            nc.ret(&[Value::Nil, v])
        }
    }
}

fn package_of<'gc>(nc: &NativeCtx<'gc, '_>) -> Option<Table<'gc>> {
    match nc.upvalue(0) {
        Value::Table(t) => Some(t),
        _ => None,
    }
}

/// `findfile`: searches `package[pname]`.
fn find_file<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    name: &[u8],
    pname: &str,
) -> LuaResult<'gc, Result<Vec<u8>, Vec<u8>>> {
    let path = package_of(nc)
        .map(|p| p.get(nc.ctx.mc, nc.ctx.str_value(pname)))
        .and_then(|v| convert::to_str(nc.ctx, v));
    let Some(path) = path else {
        return Err(LuaError::rt(format!("'package.{pname}' must be a string")));
    };
    let path = path.as_bytes().to_vec();
    Ok(search_path(nc, name, &path, b".", b"/"))
}

fn searcher_preload<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.check_str(1)?;
    let preload = registry_table(nc.ctx, PRELOAD_KEY);
    let v = preload.get(nc.ctx.mc, Value::Str(name));
    if v.is_nil() {
        let msg = format!("no field package.preload['{}']", name.to_str_lossy());
        let m = nc.str_value(msg.as_bytes());
        nc.ret1(m)
    } else {
        let d = nc.str_value(b":preload:");
        nc.ret(&[v, d])
    }
}

fn searcher_lua<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.check_str(1)?.as_bytes().to_vec();
    match find_file(nc, &name, "path")? {
        Err(msg) => {
            let m = nc.str_value(&msg);
            nc.ret1(m)
        }
        Ok(file) => match load_file(nc, Some(&file), b"bt", None)? {
            Ok(f) => {
                let fname = nc.str_value(&file);
                nc.ret(&[f, fname])
            }
            Err(m) => {
                let m = convert::to_str(nc.ctx, m)
                    .map(|s| s.to_str_lossy().into_owned())
                    .unwrap_or_default();
                Err(LuaError::rt(format!(
                    "error loading module '{}' from file '{}':\n\t{}",
                    String::from_utf8_lossy(&name),
                    String::from_utf8_lossy(&file),
                    m
                )))
            }
        },
    }
}

/// The error of a C searcher that found a library file: they are never loaded.
fn no_dynamic_libs<'gc>(name: &[u8], file: &[u8]) -> LuaError<'gc> {
    LuaError::rt(format!(
        "error loading module '{}' from file '{}':\n\tdynamic libraries not enabled; check your Lua installation",
        String::from_utf8_lossy(name),
        String::from_utf8_lossy(file)
    ))
}

fn searcher_c<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.check_str(1)?.as_bytes().to_vec();
    match find_file(nc, &name, "cpath")? {
        Err(msg) => {
            let m = nc.str_value(&msg);
            nc.ret1(m)
        }
        Ok(file) => Err(no_dynamic_libs(&name, &file)),
    }
}

fn searcher_croot<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.check_str(1)?.as_bytes().to_vec();
    let Some(dot) = name.iter().position(|&c| c == b'.') else {
        return nc.ret0();
    };
    let root = name[..dot].to_vec();
    match find_file(nc, &root, "cpath")? {
        Err(msg) => {
            let m = nc.str_value(&msg);
            nc.ret1(m)
        }
        Ok(file) => Err(no_dynamic_libs(&name, &file)),
    }
}

fn require<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = Value::Str(nc.check_str(1)?);
    let loaded = loaded_table(nc.ctx);
    let v = loaded.get(nc.ctx.mc, name);
    if v.truthy() {
        return nc.ret1(v);
    }
    let searchers = package_of(nc)
        .map(|p| p.get(nc.ctx.mc, nc.ctx.str_value("searchers")))
        .unwrap_or(Value::Nil);
    if !matches!(searchers, Value::Table(_)) {
        return Err(LuaError::rt("'package.searchers' must be a table"));
    }
    next_searcher(nc, name, searchers, 1, Vec::new())
}

/// Calls searcher `i` (or reports that none found the module).
fn next_searcher<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    name: Value<'gc>,
    searchers: Value<'gc>,
    i: u32,
    msg: Vec<u8>,
) -> R<'gc> {
    let s = match searchers {
        Value::Table(t) => t.get_int(nc.ctx.mc, i as i64),
        _ => Value::Nil,
    };
    if s.is_nil() {
        let n = convert::to_str(nc.ctx, name)
            .map(|s| s.to_str_lossy().into_owned())
            .unwrap_or_default();
        return Err(LuaError::rt(format!(
            "module '{n}' not found:{}",
            String::from_utf8_lossy(&msg)
        )));
    }
    nc.clear();
    nc.push(name);
    Ok(Action::Call {
        func: s,
        cont: Cont::Lib(Box::new(RequireCont::Search {
            name,
            searchers,
            index: i,
            msg,
        })),
    })
}

/// `require` after searcher `i` returned (its results in the window).
fn require_searched<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    name: Value<'gc>,
    searchers: Value<'gc>,
    i: u32,
    mut msg: Vec<u8>,
) -> R<'gc> {
    let (loader, data) = (nc.arg(1), nc.arg(2));
    match loader {
        Value::Function(_) | Value::Native(_) | Value::LightNative(_) => {
            nc.clear();
            nc.push(name);
            nc.push(data);
            Ok(Action::Call {
                func: loader,
                cont: Cont::Lib(Box::new(RequireCont::Loaded { name, data })),
            })
        }
        Value::Str(_) | Value::Int(_) | Value::Float(_) => {
            msg.extend_from_slice(b"\n\t");
            if let Some(s) = convert::to_str(nc.ctx, loader) {
                msg.extend_from_slice(s.as_bytes());
            }
            next_searcher(nc, name, searchers, i.saturating_add(1), msg)
        }
        _ => next_searcher(nc, name, searchers, i.saturating_add(1), msg),
    }
}

/// `require` after the loader returned: records and returns the module and the loader data.
fn require_loaded<'gc>(nc: &mut NativeCtx<'gc, '_>, name: Value<'gc>, data: Value<'gc>) -> R<'gc> {
    let loaded = loaded_table(nc.ctx);
    let r = nc.arg(1);
    if !r.is_nil() {
        store_loaded(nc, loaded, name, r);
    }
    let mut m = loaded.get(nc.ctx.mc, name);
    if m.is_nil() {
        m = Value::True;
        store_loaded(nc, loaded, name, m);
    }
    nc.ret(&[m, data])
}

/// `package.loaded[name] = v` (a module name can be any value but nil or NaN: `require`
/// checks it is a string).
fn store_loaded<'gc>(nc: &NativeCtx<'gc, '_>, loaded: Table<'gc>, name: Value<'gc>, v: Value<'gc>) {
    if !name.is_nil() {
        nc.ctx.store_always(loaded, name, v);
    }
}

/// `require` waiting for a searcher or the loader.
#[derive(Collect, Serialize, Deserialize, Debug, Clone)]
#[collect(no_drop)]
pub enum RequireCont<V> {
    /// Waiting for searcher `index` of `searchers`.
    Search {
        /// The module name.
        name: V,
        /// The `package.searchers` table being walked.
        searchers: V,
        /// Which searcher was called (1-based).
        #[collect(require_static)]
        index: u32,
        /// The "not found" messages so far.
        #[collect(require_static)]
        msg: Vec<u8>,
    },
    /// Waiting for the module's loader.
    Loaded {
        /// The module name.
        name: V,
        /// The loader data (second result of `require`).
        data: V,
    },
}

/// The kind of [`RequireCont`].
pub static REQUIRE_CONT: LibContKind = LibContKind {
    name: "package.require",
    load: |saved| Ok(Box::new(saved.rebuild::<RequireCont<u32>>()?)),
};

impl<V> MapValues<V> for RequireCont<V> {
    type Mapped<W> = RequireCont<W>;

    fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<RequireCont<W>, E> {
        Ok(match self {
            RequireCont::Search {
                name,
                searchers,
                index,
                msg,
            } => RequireCont::Search {
                name: f(name)?,
                searchers: f(searchers)?,
                index,
                msg,
            },
            RequireCont::Loaded { name, data } => RequireCont::Loaded {
                name: f(name)?,
                data: f(data)?,
            },
        })
    }
}

impl<'gc> LibCont<'gc> for RequireCont<Value<'gc>> {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        uncaught(outcome)?;
        match *self {
            RequireCont::Search {
                name,
                searchers,
                index,
                msg,
            } => require_searched(nc, name, searchers, index, msg),
            RequireCont::Loaded { name, data } => require_loaded(nc, name, data),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            RequireCont::Search { msg, .. } => msg.len(),
            RequireCont::Loaded { .. } => 0,
        }
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        LibSaved::of(&REQUIRE_CONT, self.clone())
    }
}
