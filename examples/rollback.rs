//! Rollback: a deterministic two-player simulation scripted in Lua, the way rollback netcode
//! runs it. The host keeps one image of the world per tick. Player B's inputs travel over a
//! slow link: the host predicts each one (B keeps doing what it did last) and simulates on.
//! When an input arrives late and differs from the prediction, the host forks the image taken
//! before that tick, re-simulates the ticks since with the right input, and carries on from
//! the result. At the end the world's snapshot bytes equal, byte for byte, those of a run that
//! had every input on time; the example prints what rollback and re-simulation cost per tick.
//!
//! Run it with `cargo run --release --example rollback`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use telelua::{Image, Vm};

/// The world: two players in an arena who move, fire bolts that travel and can hit the other
/// player, and pick up coins dropped at places drawn from the VM's own `math.random`.
const WORLD: &str = r#"
math.randomseed(42)
local W, H = 40, 20
players = {
  {x = 3, y = 10, dir = 1, score = 0, hits = 0},
  {x = 36, y = 10, dir = -1, score = 0, hits = 0},
}
bolts, coins, tick_no = {}, {}, 0

local moves = {[1] = {0, -1}, [2] = {0, 1}, [3] = {-1, 0}, [4] = {1, 0}}

local function clamp(v, lo, hi) return math.max(lo, math.min(hi, v)) end

local function act(p, input)
  local m = moves[input]
  if m then
    p.x, p.y = clamp(p.x + m[1], 1, W), clamp(p.y + m[2], 1, H)
    if m[1] ~= 0 then p.dir = m[1] end
  elseif input == 5 then
    bolts[#bolts + 1] = {x = p.x, y = p.y, dx = p.dir, owner = p}
  end
end

-- One tick of the simulation, with both players' inputs (0 idle, 1-4 move, 5 fire).
function tick(a, b)
  tick_no = tick_no + 1
  act(players[1], a)
  act(players[2], b)
  local kept = {}
  for _, bolt in ipairs(bolts) do
    bolt.x = bolt.x + bolt.dx
    local hit = false
    for _, p in ipairs(players) do
      if p ~= bolt.owner and p.x == bolt.x and p.y == bolt.y then
        p.hits, bolt.owner.score, hit = p.hits + 1, bolt.owner.score + 3, true
      end
    end
    if not hit and bolt.x >= 1 and bolt.x <= W then kept[#kept + 1] = bolt end
  end
  bolts = kept
  if tick_no % 7 == 0 then
    coins[#coins + 1] = {x = math.random(W), y = math.random(H)}
  end
  for i = #coins, 1, -1 do
    for _, p in ipairs(players) do
      local c = coins[i]
      if c and p.x == c.x and p.y == c.y then
        p.score = p.score + 1
        table.remove(coins, i)
      end
    end
  end
end

-- A line that sums the world up.
function summary()
  local p, q = players[1], players[2]
  return string.format("tick %d: A at (%d,%d) score %d hit %d; B at (%d,%d) score %d hit %d; %d bolts, %d coins",
    tick_no, p.x, p.y, p.score, p.hits, q.x, q.y, q.score, q.hits, #bolts, #coins)
end
"#;

/// Fuel a tick may use (it needs a few thousand).
const TICK_FUEL: u64 = 1_000_000;

/// How late a delayed input arrives, in ticks (so a rollback re-simulates this many ticks).
pub const DELAY: usize = 8;

/// Every this many ticks one of B's inputs is delayed.
const LATE_EVERY: usize = 10;

/// A player's input at a tick: a small deterministic generator, so runs are reproducible.
fn input(player: u64, tick: usize) -> i64 {
    let mut h = (tick as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (player << 32);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 32;
    (h % 6) as i64
}

/// Whether B's input for `tick` travels late.
fn is_late(tick: usize) -> bool {
    tick % LATE_EVERY == 3
}

/// What the run measured.
#[derive(Debug)]
pub struct Report {
    /// Ticks simulated.
    pub ticks: usize,
    /// Rollbacks made (late inputs that differed from the prediction).
    pub rollbacks: usize,
    /// Ticks simulated again after a rollback.
    pub resimulated: usize,
    /// The world's last summary line.
    pub summary: String,
    /// Whether the rolled-back world's snapshot bytes equal those of the on-time run.
    pub identical: bool,
    /// Snapshot size in bytes.
    pub snapshot_bytes: usize,
    /// Time of a plain tick's simulation, on average.
    pub tick_time: Duration,
    /// Time of taking a tick's image, on average.
    pub image_time: Duration,
    /// Time of one rollback: fork the old image, re-simulate the ticks since (with images).
    pub rollback_time: Duration,
}

/// The world, loaded.
fn world() -> Result<Vm, Box<dyn std::error::Error>> {
    let mut vm = Vm::new();
    vm.eval::<()>(WORLD)?;
    Ok(vm)
}

/// Simulates one tick and returns the image of the world after it, and the time each took.
fn simulate(
    vm: &mut Vm,
    a: i64,
    b: i64,
) -> Result<(Image, Duration, Duration), Box<dyn std::error::Error>> {
    let started = Instant::now();
    vm.call_global::<()>("tick", (a, b), TICK_FUEL)?;
    let simulated = Instant::now();
    let image = vm.image()?;
    Ok((image, simulated - started, simulated.elapsed()))
}

/// Runs `ticks` ticks twice — once with every input on time, once with late inputs and
/// rollbacks — and compares the two worlds.
pub fn run(ticks: usize) -> Result<Report, Box<dyn std::error::Error>> {
    // The reference: every input on time.
    let mut on_time = world()?;
    for t in 0..ticks {
        on_time.call_global::<()>("tick", (input(1, t), input(2, t)), TICK_FUEL)?;
    }

    // The rollback run. `images[i]` is the world after tick `first_image + i`; the host
    // keeps the last DELAY + 1 of them, and the inputs it used for each tick.
    let mut vm = world()?;
    let mut images: VecDeque<Image> = VecDeque::new();
    images.push_back(vm.image()?); // before tick 0
    let mut first_image: isize = -1;
    let mut used_b: Vec<i64> = Vec::new();
    let (mut rollbacks, mut resimulated) = (0, 0);
    let (mut tick_time, mut image_time, mut rollback_time) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    // Inputs go on arriving for DELAY ticks after the last one is simulated.
    for t in 0..ticks + DELAY {
        if t < ticks {
            // B's input for tick t, or a prediction when it is late.
            let b = if is_late(t) {
                used_b.last().copied().unwrap_or(0)
            } else {
                input(2, t)
            };
            used_b.push(b);
            let (image, simulating, imaging) = simulate(&mut vm, input(1, t), b)?;
            images.push_back(image);
            tick_time += simulating;
            image_time += imaging;
            if images.len() > DELAY + 2 {
                images.pop_front();
                first_image += 1;
            }
        }
        // The input for tick t - DELAY arrives now.
        let last = t.min(ticks - 1);
        if t >= DELAY && t - DELAY < ticks && is_late(t - DELAY) {
            let late = t - DELAY;
            let real = input(2, late);
            if real != used_b[late] {
                let started = Instant::now();
                used_b[late] = real;
                // The image before the late tick, then every tick since, again.
                let at = (late as isize - 1 - first_image) as usize;
                vm = images[at].fork()?;
                images.truncate(at + 1);
                for r in late..=last {
                    images.push_back(simulate(&mut vm, input(1, r), used_b[r])?.0);
                    resimulated += 1;
                }
                rollback_time += started.elapsed();
                rollbacks += 1;
            }
        }
    }
    let summary: String = vm.call_global("summary", (), TICK_FUEL)?;
    let expected: String = on_time.call_global("summary", (), TICK_FUEL)?;
    let (bytes, reference) = (vm.save()?, on_time.save()?);
    if summary != expected {
        return Err(format!("worlds differ:\n  {summary}\n  {expected}").into());
    }
    Ok(Report {
        ticks,
        rollbacks,
        resimulated,
        summary,
        identical: bytes == reference,
        snapshot_bytes: bytes.len(),
        tick_time: tick_time / ticks.max(1) as u32,
        image_time: image_time / ticks.max(1) as u32,
        rollback_time: rollback_time / rollbacks.max(1) as u32,
    })
}

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let r = run(300)?;
    println!("{}", r.summary);
    println!(
        "{} ticks, {} rollbacks of {DELAY} ticks ({} ticks simulated again)",
        r.ticks, r.rollbacks, r.resimulated
    );
    println!(
        "snapshot after rollbacks equals the on-time run's: {} ({} bytes)",
        r.identical, r.snapshot_bytes
    );
    let per_rollback = r.rollback_time.as_secs_f64() * 1e6;
    let per_tick = per_rollback * r.rollbacks as f64 / r.resimulated.max(1) as f64;
    println!(
        "a tick: {:.1} µs to simulate, {:.1} µs to take its image; a rollback (fork + up to {} ticks again, with images): {per_rollback:.1} µs, {per_tick:.1} µs per re-simulated tick",
        r.tick_time.as_secs_f64() * 1e6,
        r.image_time.as_secs_f64() * 1e6,
        DELAY + 1,
    );
    if !r.identical {
        return Err("the rolled-back world's snapshot differs from the on-time run's".into());
    }
    Ok(())
}
