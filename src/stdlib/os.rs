//! The os library: `time`, `clock`, `date`, `difftime`, `setlocale` everywhere; `exit`,
//! `getenv`, `execute`, `remove`, `rename` and `tmpname` in the standalone profile only, as
//! `loslib.c` has them (the sandbox never reaches the host's process, files or environment).
//!
//! # Time
//! All time comes from the host's [`Clock`] (`ctx.state.host.clock`): the default is a frozen
//! virtual clock, the CLI plugs in the system clock ([`SystemClock`]). Dates are computed here
//! (proleptic Gregorian calendar, any year that fits C's `int`), not by the C library, so
//! `os.date` is the same on every machine: local time is UTC shifted by the clock's
//! `utc_offset`, with no daylight-saving time (`isdst` is always false). `os.date` formats as
//! glibc's `strftime` does in the C locale (every conversion C99 lists, with the `E` and `O`
//! modifiers accepted and ignored, as in the C locale). `os.time(t)` normalises its fields
//! like `mktime` (and, like glibc in a zone without DST, treats `isdst = true` as one hour
//! ahead). The fields of the date table are read and written raw (no `__index`/`__newindex`).

use std::io::Write;

use crate::vm::cont::Cont;
use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, HostWait, NativeCtx, NativeDef};
use crate::vm::state::{Clock, Ctx};
use crate::vm::table::Table;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Fuel per byte of `os.date` output (16 bytes per unit, rounded up).
pub use crate::limits::fuel::DATE_BYTES_PER_FUEL;

/// The natives every profile gets.
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "os.clock",
        func: clock,
    },
    NativeDef {
        name: "os.date",
        func: date,
    },
    NativeDef {
        name: "os.difftime",
        func: difftime,
    },
    NativeDef {
        name: "os.setlocale",
        func: setlocale,
    },
    NativeDef {
        name: "os.time",
        func: time,
    },
];

/// The natives only the standalone profile gets.
pub static STANDALONE_FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "os.exit",
        func: exit,
    },
    NativeDef {
        name: "os.getenv",
        func: getenv,
    },
    NativeDef {
        name: "os.execute",
        func: execute,
    },
    NativeDef {
        name: "os.remove",
        func: remove,
    },
    NativeDef {
        name: "os.rename",
        func: rename,
    },
    NativeDef {
        name: "os.tmpname",
        func: tmpname,
    },
];

/// `os.execute([cmd])`: runs `cmd` with `/bin/sh -c` (as `system`); without one, whether a
/// shell is available.
fn execute<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let Some(cmd) = nc.opt_str(1)? else {
        return nc.ret1(Value::boolean(std::path::Path::new("/bin/sh").exists()));
    };
    let cmd = cmd.as_bytes().to_vec();
    nc.charge(crate::limits::fuel::PROCESS_START);
    super::io::flush_host(nc.ctx);
    match super::io::shell(&cmd).status() {
        Ok(status) => super::io::exec_result(nc, status),
        Err(e) => super::io::fail(nc, &e, None),
    }
}

/// `os.remove(name)`: a file or an empty directory, as C's `remove`.
fn remove<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.check_str(1)?.as_bytes().to_vec();
    nc.charge(crate::limits::fuel::FILE_NAME_OP);
    let path = super::io::path_of(&name);
    let r = match std::fs::remove_file(&path) {
        Err(e) if path.is_dir() => std::fs::remove_dir(&path).map_err(|_| e),
        r => r,
    };
    match r {
        Ok(()) => nc.ret1(Value::True),
        Err(e) => super::io::fail(nc, &e, Some(&name)),
    }
}

fn rename<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let from = nc.check_str(1)?.as_bytes().to_vec();
    let to = nc.check_str(2)?.as_bytes().to_vec();
    nc.charge(crate::limits::fuel::FILE_NAME_OP);
    match std::fs::rename(super::io::path_of(&from), super::io::path_of(&to)) {
        Ok(()) => nc.ret1(Value::True),
        Err(e) => super::io::fail(nc, &e, None),
    }
}

/// `os.tmpname()`: a new, empty file in the temporary directory (as `mkstemp` makes one).
fn tmpname<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    // A name made and its file created (and, in practice, removed by the caller).
    nc.charge(2 * crate::limits::fuel::FILE_NAME_OP);
    match super::io::temp_name() {
        Ok(p) => {
            let s = p.to_string_lossy().into_owned();
            nc.ret1(nc.str_value(s.as_bytes()))
        }
        Err(_) => Err(LuaError::rt("unable to generate a unique filename")),
    }
}

/// Opens the os library (`standalone`: with `exit` and `getenv`).
pub fn open(ctx: Ctx<'_>, standalone: bool) {
    let t = super::new_lib(ctx, "os", FUNCS);
    if standalone {
        super::register(ctx, t, STANDALONE_FUNCS);
    }
}

/// The system clock, for hosts that want real time (the CLI): `now` is the system time,
/// `cpu_time` the process's CPU time in whole microseconds, as C's `clock()` gives `lua.c`'s
/// `os.clock` (on Linux, Android, macOS and FreeBSD; elsewhere, where std offers no process
/// CPU time, the time elapsed since the clock was created). Local time is UTC.
#[derive(Debug)]
pub struct SystemClock {
    // Read only where there is no process CPU time to read.
    #[allow(dead_code)]
    start: std::time::Instant,
}

impl SystemClock {
    /// A clock whose fallback `os.clock()` counts from now.
    pub fn new() -> SystemClock {
        SystemClock {
            start: std::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_secs_f64(),
            Err(e) => -e.duration().as_secs_f64(),
        }
    }
    fn cpu_time(&self) -> f64 {
        #[cfg(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "freebsd"
        ))]
        {
            let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
            // `clock()`'s unit: CLOCKS_PER_SEC is 10^6 (POSIX), and Lua divides by it.
            let micros = (t.tv_sec as i64)
                .saturating_mul(1_000_000)
                .saturating_add(t.tv_nsec as i64 / 1000);
            micros as f64 / 1e6
        }
        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "freebsd"
        )))]
        {
            self.start.elapsed().as_secs_f64()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic (days are counted from 1970-01-01)

/// Days from 1970-01-01 to `y-m-d` (`m` in 1..=12), proleptic Gregorian.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(y, m, d)` of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// A broken-down time (C's `struct tm`, with a full year and 1-based month).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tm {
    /// The year (e.g. 2024).
    pub year: i64,
    /// 1..=12
    pub month: i64,
    /// 1..=31
    pub day: i64,
    /// 0..=23
    pub hour: i64,
    /// 0..=59
    pub min: i64,
    /// 0..=59
    pub sec: i64,
    /// Day of the week, 0 = Sunday.
    pub wday: i64,
    /// Day of the year, 0-based.
    pub yday: i64,
}

impl Tm {
    /// The broken-down form of `t` seconds since the epoch (already shifted to local time).
    /// `None` if the year does not fit C's `int` (as `gmtime` fails).
    pub fn from_time(t: i64) -> Option<Tm> {
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        if year - 1900 > i32::MAX as i64 || year - 1900 < i32::MIN as i64 {
            return None;
        }
        Some(Tm {
            year,
            month,
            day,
            hour: secs / 3600,
            min: secs % 3600 / 60,
            sec: secs % 60,
            wday: (days + 4).rem_euclid(7),
            yday: days - days_from_civil(year, 1, 1),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// strftime

const WDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Conversions C99 defines for `strftime` (Lua's `L_STRFTIMEC99`).
const SINGLE_OPTIONS: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const DOUBLE_OPTIONS: [&[u8]; 19] = [
    b"Ec", b"EC", b"Ex", b"EX", b"Ey", b"EY", b"Od", b"Oe", b"OH", b"OI", b"Om", b"OM", b"OS",
    b"Ou", b"OU", b"OV", b"Ow", b"OW", b"Oy",
];

/// glibc's `iso_week_days`: days since the Monday of ISO week 1 of the year of `yday`.
fn iso_week_days(yday: i64, wday: i64) -> i64 {
    let big_enough_multiple_of_7 = (366 / 7 + 2) * 7;
    yday - (yday - wday + 4 + big_enough_multiple_of_7) % 7 + 4 - 1
}

/// ISO 8601 week-based year and week number.
fn iso_week(tm: &Tm) -> (i64, i64) {
    let mut year = tm.year;
    let mut days = iso_week_days(tm.yday, tm.wday);
    if days < 0 {
        year -= 1;
        days = iso_week_days(tm.yday + 365 + is_leap(year) as i64, tm.wday);
    } else {
        let d = iso_week_days(tm.yday - (365 + is_leap(year) as i64), tm.wday);
        if d >= 0 {
            year += 1;
            days = d;
        }
    }
    (year, days / 7 + 1)
}

/// Where a time is and how to name it for `%z`/`%Z`.
struct Zone {
    offset: i64,
    name: String,
}

/// Appends one conversion (`spec` without `%`, modifiers already removed).
fn format_one(out: &mut Vec<u8>, spec: u8, tm: &Tm, zone: &Zone) {
    let hour12 = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
    let ampm = if tm.hour < 12 { "AM" } else { "PM" };
    let wday = WDAYS[tm.wday.rem_euclid(7) as usize];
    let month = MONTHS[(tm.month - 1).rem_euclid(12) as usize];
    // Writing to a Vec cannot fail.
    let _ = match spec {
        b'a' => write!(out, "{}", &wday[..3]),
        b'A' => write!(out, "{wday}"),
        b'b' | b'h' => write!(out, "{}", &month[..3]),
        b'B' => write!(out, "{month}"),
        b'c' => write!(
            out,
            "{} {} {:2} {:02}:{:02}:{:02} {}",
            &wday[..3],
            &month[..3],
            tm.day,
            tm.hour,
            tm.min,
            tm.sec,
            tm.year
        ),
        b'C' => write!(out, "{}", tm.year.div_euclid(100)),
        b'd' => write!(out, "{:02}", tm.day),
        b'D' | b'x' => write!(
            out,
            "{:02}/{:02}/{:02}",
            tm.month,
            tm.day,
            tm.year.rem_euclid(100)
        ),
        b'e' => write!(out, "{:2}", tm.day),
        b'F' => write!(out, "{}-{:02}-{:02}", tm.year, tm.month, tm.day),
        b'g' => write!(out, "{:02}", iso_week(tm).0.rem_euclid(100)),
        b'G' => write!(out, "{}", iso_week(tm).0),
        b'H' => write!(out, "{:02}", tm.hour),
        b'I' => write!(out, "{hour12:02}"),
        b'j' => write!(out, "{:03}", tm.yday + 1),
        b'm' => write!(out, "{:02}", tm.month),
        b'M' => write!(out, "{:02}", tm.min),
        b'n' => writeln!(out),
        b'p' => write!(out, "{ampm}"),
        b'r' => write!(out, "{hour12:02}:{:02}:{:02} {ampm}", tm.min, tm.sec),
        b'R' => write!(out, "{:02}:{:02}", tm.hour, tm.min),
        b'S' => write!(out, "{:02}", tm.sec),
        b't' => write!(out, "\t"),
        b'T' | b'X' => write!(out, "{:02}:{:02}:{:02}", tm.hour, tm.min, tm.sec),
        b'u' => write!(out, "{}", if tm.wday == 0 { 7 } else { tm.wday }),
        b'U' => write!(out, "{:02}", (tm.yday + 7 - tm.wday) / 7),
        b'V' => write!(out, "{:02}", iso_week(tm).1),
        b'w' => write!(out, "{}", tm.wday),
        b'W' => write!(out, "{:02}", (tm.yday + 7 - (tm.wday + 6) % 7) / 7),
        b'y' => write!(out, "{:02}", tm.year.rem_euclid(100)),
        b'Y' => write!(out, "{}", tm.year),
        b'z' => {
            let sign = if zone.offset < 0 { '-' } else { '+' };
            let m = zone.offset.unsigned_abs() / 60;
            write!(out, "{sign}{:02}{:02}", m / 60, m % 60)
        }
        b'Z' => write!(out, "{}", zone.name),
        _ => write!(out, "%"),
    };
}

/// Formats `fmt` (after any `!`) like `strftime`, or returns the invalid conversion (the rest
/// of the format from the character after `%`).
fn strftime(fmt: &[u8], tm: &Tm, zone: &Zone) -> Result<Vec<u8>, Vec<u8>> {
    let mut out = Vec::with_capacity(fmt.len() * 2);
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        if c != b'%' {
            out.push(c);
            i += 1;
            continue;
        }
        let rest = &fmt[i + 1..];
        match rest.first() {
            Some(&s) if SINGLE_OPTIONS.contains(&s) => {
                format_one(&mut out, s, tm, zone);
                i += 2;
            }
            Some(_) if rest.len() >= 2 && DOUBLE_OPTIONS.iter().any(|o| **o == rest[..2]) => {
                format_one(&mut out, rest[1], tm, zone);
                i += 3;
            }
            _ => return Err(rest.to_vec()),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The natives

fn clock<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let c = nc.ctx.state.host.borrow().clock.cpu_time();
    nc.ret1(Value::float(c))
}

/// The host's current time in whole seconds.
fn now(ctx: Ctx<'_>) -> i64 {
    let t = ctx.state.host.borrow().clock.now();
    if t.is_finite() {
        t.floor() as i64 // saturating
    } else {
        0
    }
}

fn date<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let fmt = match nc.opt_str(1)? {
        Some(s) => s.as_bytes(),
        None => b"%c",
    };
    let t = if nc.arg(2).is_nil() {
        now(nc.ctx)
    } else {
        nc.check_int(2)?
    };
    let (fmt, zone) = match fmt.strip_prefix(b"!") {
        Some(rest) => (
            rest,
            Zone {
                offset: 0,
                name: "GMT".to_string(),
            },
        ),
        None => {
            let host = nc.ctx.state.host.borrow();
            let zone = Zone {
                offset: host.clock.utc_offset(t),
                name: host.clock.zone_name(t),
            };
            (fmt, zone)
        }
    };
    let tm = t
        .checked_add(zone.offset)
        .and_then(Tm::from_time)
        .ok_or_else(|| LuaError::rt("date result cannot be represented in this installation"))?;
    if fmt == b"*t" {
        nc.charge(9 * crate::limits::fuel::DATE_FIELD);
        let tab = nc.ctx.new_table_sized(0, 9);
        set_all_fields(nc.ctx, tab, &tm);
        return nc.ret1(Value::Table(tab));
    }
    let conversions = fmt.iter().filter(|&&c| c == b'%').count() as i64;
    nc.charge(conversions.saturating_mul(crate::limits::fuel::DATE_CONVERSION));
    match strftime(fmt, &tm, &zone) {
        Ok(out) => {
            nc.charge((out.len() / DATE_BYTES_PER_FUEL) as i64 + 1);
            let v = Value::Str(nc.ctx.new_string(out));
            nc.ret1(v)
        }
        Err(bad) => {
            let mut msg = b"invalid conversion specifier '%".to_vec();
            msg.extend_from_slice(&bad);
            msg.push(b'\'');
            Err(LuaError::bad_arg(
                1,
                String::from_utf8_lossy(&msg).into_owned(),
            ))
        }
    }
}

/// `setallfields`: the fields of a date table, in Lua's order.
fn set_all_fields<'gc>(ctx: Ctx<'gc>, t: Table<'gc>, tm: &Tm) {
    let fields: [(&str, Value<'gc>); 9] = [
        ("year", Value::Int(tm.year)),
        ("month", Value::Int(tm.month)),
        ("day", Value::Int(tm.day)),
        ("hour", Value::Int(tm.hour)),
        ("min", Value::Int(tm.min)),
        ("sec", Value::Int(tm.sec)),
        ("yday", Value::Int(tm.yday + 1)),
        ("wday", Value::Int(tm.wday + 1)),
        ("isdst", Value::False),
    ];
    for (k, v) in fields {
        let _ = t.set(ctx.mc, ctx.str_value(k), v);
    }
}

/// `getfield`: an integer field of a date table minus `delta`, `default` if absent (`None`:
/// required).
fn get_field<'gc>(
    ctx: Ctx<'gc>,
    t: Table<'gc>,
    key: &str,
    default: Option<i64>,
    delta: i64,
) -> LuaResult<'gc, i64> {
    let v = t.get(ctx.mc, ctx.str_value(key));
    match convert::to_integer(v) {
        None => {
            if !v.is_nil() {
                Err(LuaError::rt(format!("field '{key}' is not an integer")))
            } else {
                default.ok_or_else(|| LuaError::rt(format!("field '{key}' missing in date table")))
            }
        }
        Some(res) => {
            let ok = if res >= 0 {
                res - delta <= i32::MAX as i64
            } else {
                i32::MIN as i64 + delta <= res
            };
            if !ok {
                return Err(LuaError::rt(format!("field '{key}' is out-of-bound")));
            }
            Ok(res - delta)
        }
    }
}

fn time<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if nc.arg(1).is_nil() {
        let t = now(nc.ctx);
        return nc.ret1(Value::Int(t));
    }
    let t = nc.check_table(1)?;
    // Seven fields read, nine written back.
    nc.charge(16 * crate::limits::fuel::DATE_FIELD);
    let ctx = nc.ctx;
    let year = get_field(ctx, t, "year", None, 1900)?;
    let mon = get_field(ctx, t, "month", None, 1)?;
    let mday = get_field(ctx, t, "day", None, 0)?;
    let hour = get_field(ctx, t, "hour", Some(12), 0)?;
    let min = get_field(ctx, t, "min", Some(0), 0)?;
    let sec = get_field(ctx, t, "sec", Some(0), 0)?;
    let isdst = t.get(ctx.mc, ctx.str_value("isdst"));
    // mktime: normalise month into the year, then count days and seconds.
    let y = 1900 + year + mon.div_euclid(12);
    let days = days_from_civil(y, mon.rem_euclid(12) + 1, 1) + mday - 1;
    let mut local = days * 86_400 + hour * 3600 + min * 60 + sec;
    if isdst.truthy() {
        local -= 3600; // glibc, asked for DST in a zone without it
    }
    let fail = || LuaError::rt("time result cannot be represented in this installation");
    let utc = {
        let host = nc.ctx.state.host.borrow();
        let guess = local.saturating_sub(host.clock.utc_offset(local));
        local.saturating_sub(host.clock.utc_offset(guess))
    };
    let tm = Tm::from_time(local).ok_or_else(fail)?;
    if utc == -1 {
        return Err(fail());
    }
    set_all_fields(ctx, t, &tm);
    nc.ret1(Value::Int(utc))
}

fn difftime<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let t1 = nc.check_int(1)?;
    let t2 = nc.check_int(2)?;
    nc.ret1(Value::float((t1 as i128 - t2 as i128) as f64))
}

fn setlocale<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    const CATEGORIES: [&str; 6] = ["all", "collate", "ctype", "monetary", "numeric", "time"];
    let locale = nc.opt_str(1)?;
    if let Some(cat) = nc.opt_str(2)? {
        let name = cat.to_str_lossy();
        if !CATEGORIES.contains(&name.as_ref()) {
            return Err(LuaError::bad_arg(2, format!("invalid option '{name}'")));
        }
    }
    // Only the C locale exists here.
    let r = match locale.map(|l| l.as_bytes()) {
        None | Some(b"") | Some(b"C") | Some(b"POSIX") => nc.str_value(b"C"),
        Some(_) => Value::Nil,
    };
    nc.ret1(r)
}

fn getenv<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.check_str(1)?;
    nc.charge(crate::limits::fuel::IO_CALL);
    let value = env_var(name.as_bytes());
    let r = match value {
        Some(v) => Value::Str(nc.ctx.new_string(v)),
        None => Value::Nil,
    };
    nc.ret1(r)
}

#[cfg(unix)]
fn env_var(name: &[u8]) -> Option<Vec<u8>> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    if name.is_empty() || name.contains(&b'=') || name.contains(&0) {
        return None;
    }
    std::env::var_os(std::ffi::OsStr::from_bytes(name)).map(|v| v.into_vec())
}

#[cfg(not(unix))]
fn env_var(name: &[u8]) -> Option<Vec<u8>> {
    let name = std::str::from_utf8(name).ok()?;
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return None;
    }
    std::env::var(name).ok().map(String::into_bytes)
}

/// The wait kind of `os.exit`: the script stops and the host decides (the `telelua` command
/// exits as `lua` does; a library's host reads the request with `Vm::exit_request`).
pub const EXIT_WAIT: &str = "os.exit";

/// `os.exit`'s request as its wait state: the status (4 bytes, little-endian), then whether to
/// close the state first.
fn exit_state(code: i32, close: bool) -> Vec<u8> {
    let mut state = code.to_le_bytes().to_vec();
    state.push(u8::from(close));
    state
}

/// The status and the close flag of an `os.exit` wait's state (`None` if it is not one).
pub fn exit_request(state: &[u8]) -> Option<(i32, bool)> {
    match *state {
        [a, b, c, d, close @ (0 | 1)] => Some((i32::from_le_bytes([a, b, c, d]), close == 1)),
        _ => None,
    }
}

fn exit<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let status = match nc.arg(1) {
        Value::True => 0,
        Value::False => 1,
        _ => nc.opt_int(1, 0)? as i32,
    };
    let close = nc.arg(2).truthy();
    {
        let mut host = nc.ctx.state.host.borrow_mut();
        let _ = host.stdout.flush();
        let _ = host.stderr.flush();
    }
    nc.clear();
    Ok(Action::Wait {
        cont: Cont::Host {
            wait: Box::new(HostWait {
                kind: std::borrow::Cow::Borrowed(EXIT_WAIT),
                version: 1,
                state: exit_state(status, close),
                values: Vec::new(),
            }),
            delivered: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-1_000_000i64, -719_468, -1, 0, 1, 59, 10_957, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn broken_down_time() {
        let tm = Tm::from_time(1_234_567_890).unwrap();
        assert_eq!(
            (tm.year, tm.month, tm.day, tm.hour, tm.min, tm.sec),
            (2009, 2, 13, 23, 31, 30)
        );
        assert_eq!((tm.wday, tm.yday), (5, 43));
        assert!(Tm::from_time(i64::MAX).is_none());
    }

    #[test]
    fn formats_like_glibc() {
        let z = Zone {
            offset: 0,
            name: "GMT".into(),
        };
        let tm = Tm::from_time(0).unwrap();
        assert_eq!(
            strftime(b"%c|%D|%e|%j|%U|%W|%V|%G", &tm, &z).unwrap(),
            b"Thu Jan  1 00:00:00 1970|01/01/70| 1|001|00|00|01|1970".to_vec()
        );
        assert_eq!(strftime(b"%Ez", &tm, &z), Err(b"Ez".to_vec()));
        assert_eq!(strftime(b"abc%", &tm, &z), Err(Vec::new()));
    }

    /// `os.clock` under the system clock counts whole microseconds, as `clock()` does, and
    /// grows with work done.
    #[test]
    fn system_clock_cpu_time_is_in_microseconds() {
        let c = SystemClock::new();
        let t0 = c.cpu_time();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        let t1 = c.cpu_time();
        assert!(t1 > t0, "{t0} {t1} {x}");
        for t in [t0, t1] {
            let micros = t * 1e6;
            assert!((micros - micros.round()).abs() < 1e-3, "{t}");
        }
    }
}
