//! Snapshot, fork and rollback benchmark (issue 3). Run: `cargo bench --bench snapshot`.
//!
//! Reports, for heaps of ~1 KB, ~100 KB and ~10 MB of Lua data (records of small tables with
//! string and number fields, and plain number arrays): save time, restore time, snapshot
//! size, the time to capture an in-memory image, and in-memory restores (a lazy fork of the
//! image, and an eager one that makes every object). Also: forking an image whose setup
//! defined ~100 functions and a few tables (time and bytes retained per fork, idle and after
//! running a small handler).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use telelua::{StepResult, Vm};

/// Counts live heap bytes (for "retained per fork").
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: delegates to the system allocator; only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn run(vm: &mut Vm) {
    loop {
        match vm.step(100_000_000) {
            StepResult::OutOfFuel => continue,
            StepResult::Finished(_) => return,
            other => panic!("{other:?}"),
        }
    }
}

fn heap_script(records: usize, numbers: usize) -> String {
    format!(
        "records = {{}} for i = 1, {records} do records[i] = {{name = 'player' .. i, x = i * 1.5, y = i, hp = 100}} end
         numbers = {{}} for i = 1, {numbers} do numbers[i] = i * 0.25 end"
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn per_iter(total: Duration, n: u32) -> String {
    let us = total.as_secs_f64() * 1e6 / n as f64;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

fn main() {
    println!("## Snapshot round trips (MessagePack through bytes)\n");
    println!(
        "| heap | snapshot bytes | save | restore | save+restore | image | in-memory fork (lazy) | eager in-memory fork |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (label, records, numbers) in [
        ("~1 KB", 8, 16),
        ("~100 KB", 600, 2_000),
        ("~10 MB", 60_000, 200_000),
    ] {
        let mut vm = Vm::new();
        vm.load(heap_script(records, numbers).as_bytes(), "=heap")
            .unwrap();
        run(&mut vm);
        let reps = if records > 10_000 { 5 } else { 50 };
        let bytes = vm.save().unwrap();
        let mut saves = Vec::new();
        let mut restores = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let b = vm.save().unwrap();
            saves.push(t.elapsed());
            let t = Instant::now();
            let v2 = Vm::restore(&b).unwrap();
            restores.push(t.elapsed());
            drop(v2);
        }
        let mut images = Vec::new();
        for _ in 0..reps.min(10) {
            let t = Instant::now();
            let image = vm.image().unwrap();
            images.push(t.elapsed());
            drop(image);
        }
        let image = vm.image().unwrap();
        let mut forks = Vec::new();
        let mut eager = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let f = image.fork().unwrap();
            forks.push(t.elapsed());
            drop(f);
            let t = Instant::now();
            let f = image.fork_eager_with(Default::default()).unwrap();
            eager.push(t.elapsed());
            drop(f);
        }
        let (s, r, f, e) = (
            median(saves),
            median(restores),
            median(forks),
            median(eager),
        );
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} | {} |",
            bytes.len(),
            per_iter(s, 1),
            per_iter(r, 1),
            per_iter(s + r, 1),
            per_iter(median(images), 1),
            per_iter(f, 1),
            per_iter(e, 1)
        );
    }

    println!("\n## Forking an image (setup defined 100 functions and a few tables)\n");
    let mut setup = String::new();
    for i in 0..100 {
        setup.push_str(&format!("function f{i}(x) return x + {i} end\n"));
    }
    setup.push_str("config = {speed = 3, name = 'base', tags = {'a', 'b', 'c'}} state = {hp = 100, pos = {x = 1, y = 2}}\n");
    let mut base = Vm::new();
    base.load(setup.as_bytes(), "=setup").unwrap();
    run(&mut base);
    let image = base.image().unwrap();
    let n = 2_000u32;
    println!("| forks | what each fork did | time per fork | bytes retained per fork |");
    println!("|---|---|---|---|");
    // Makes `n` VMs with `make`, keeps them all alive, and reports time and bytes per VM.
    let measure = |what: &str, make: &dyn Fn() -> Vm| {
        let before = LIVE.load(Ordering::Relaxed);
        let t = Instant::now();
        let forks: Vec<Vm> = (0..n).map(|_| make()).collect();
        let elapsed = t.elapsed();
        let retained = (LIVE.load(Ordering::Relaxed) - before) as f64 / n as f64;
        println!(
            "| {n} | {what} | {} | {:.1} KB |",
            per_iter(elapsed, n),
            retained / 1024.0
        );
        drop(forks);
    };
    measure("nothing (lazy fork)", &|| image.fork().unwrap());
    // A fork that handles one small request: calls two of the functions, reads a table and
    // writes another (so `state` is copied into the fork), then is kept.
    let handler = "state.hp = f7(config.speed) + f42(1) return state.hp";
    measure("fork, then compile and run a small handler", &|| {
        let mut f = image.fork().unwrap();
        f.load(handler.as_bytes(), "=handler").unwrap();
        run(&mut f);
        f
    });
    measure("nothing (eager fork: every object made)", &|| {
        image.fork_eager_with(Default::default()).unwrap()
    });
}
