//! Unit tests of big hash parts: entries in chunks (`table_hchunks`), the sharded index
//! (`table_hindex`) and the doubling that keeps the entries in place (`table_resize`).

use super::hchunks::{HCHUNK, HFLAT_MAX};
use super::*;
use gc_arena::arena::rootless_mutate;

/// Entries over the flat prefix and three full chunks, the last chunk partly filled.
const N: usize = HFLAT_MAX + 3 * HCHUNK + 17;

/// Key `i` (a float key: never in the array part).
fn key<'gc>(i: usize) -> Value<'gc> {
    Value::float(i as f64 + 0.5)
}

/// A table with keys `key(0..n)`, value `i` at `key(i)`, inserted in order.
fn big<'gc>(mc: &Mutation<'gc>, n: usize) -> Table<'gc> {
    let t = Table::new(mc, 3);
    for i in 0..n {
        t.set(mc, key(i), Value::Int(i as i64)).unwrap();
    }
    t
}

/// The key numbers of `t` in `next` order.
fn order(t: Table<'_>) -> Vec<usize> {
    let d = t.0.borrow();
    let mut keys = Vec::new();
    let mut k = Value::Nil;
    while let Ok(Some((key, _))) = d.next(k) {
        keys.push(key.as_float().map_or(usize::MAX, |f| f as usize));
        k = key;
    }
    keys
}

fn chunks_of(t: Table<'_>) -> usize {
    t.0.borrow().hchunk_list().map_or(0, |l| l.borrow().len())
}

#[test]
fn a_big_hash_part_is_kept_in_chunks() {
    rootless_mutate(|mc| {
        let t = big(mc, N);
        let d = t.0.borrow();
        assert_eq!(d.hash_len(), N);
        assert_eq!(d.entries.len(), HFLAT_MAX);
        assert_eq!(d.hash_capacity(), 1 << 16);
        assert_eq!(d.slot_count(), N);
        let e = d.extra.as_ref().unwrap();
        assert!(e.index.is_sharded() && e.index.len() == N);
        for i in 0..N {
            assert!(
                matches!(d.get(key(i)), Value::Int(j) if j == i as i64),
                "{i}"
            );
        }
        assert!(d.get(key(N)).is_nil());
        drop(d);
        assert_eq!(chunks_of(t), 4);
        assert_eq!(order(t), (0..N).collect::<Vec<_>>());
        // A store at an existing key in a chunk writes the chunk.
        t.set(mc, key(N - 1), Value::True).unwrap();
        assert!(matches!(t.0.borrow().get(key(N - 1)), Value::True));
        assert_eq!(t.0.borrow().hash_len(), N);
    });
}

#[test]
fn a_doubling_without_removed_keys_keeps_the_entries_in_place() {
    rootless_mutate(|mc| {
        // 2^16 entries fill the part; the next key doubles it (in place: sharded index).
        let n = (1 << 16) + 5;
        let t = big(mc, n);
        let (cap, entries) = {
            let d = t.0.borrow();
            assert_eq!(d.hash_capacity(), 1 << 17);
            assert_eq!(d.extra.as_ref().unwrap().index.len(), n);
            for i in 0..n {
                assert!(matches!(d.get(key(i)), Value::Int(j) if j == i as i64));
            }
            (d.hash_capacity(), d.hash_entries())
        };
        // A full rebuild to the same size puts every entry where it is.
        t.data_mut(mc).resize(0, n);
        let d = t.0.borrow();
        assert_eq!(d.hash_capacity(), cap);
        let again = d.hash_entries();
        assert!(entries.len() == again.len());
        assert!(entries
            .iter()
            .zip(&again)
            .all(|(a, b)| a.0.raw_eq(b.0) && a.1.raw_eq(b.1)));
        drop(d);
        assert_eq!(order(t), (0..n).collect::<Vec<_>>());
    });
}

#[test]
fn removal_and_reinsertion_during_a_traversal_of_chunks() {
    rootless_mutate(|mc| {
        let t = big(mc, N);
        let mut k = Value::Nil;
        let mut seen = Vec::new();
        loop {
            let next = t.0.borrow().next(k);
            let Ok(Some((key_now, v))) = next else { break };
            let i = key_now.as_float().unwrap() as usize;
            assert!(matches!(v, Value::Int(j) if j == i as i64 || j == -(i as i64)));
            seen.push(i);
            // Clearing the current key, and assigning a later one, during a traversal.
            t.set(mc, key_now, Value::Nil).unwrap();
            if i + 100 < N {
                t.set(mc, key(i + 100), Value::Int(-((i + 100) as i64)))
                    .unwrap();
            }
            k = key_now;
        }
        assert_eq!(seen, (0..N).collect::<Vec<_>>());
        assert!(matches!(t.0.borrow().next(Value::Nil), Ok(None)));
        // A removed key keeps its entry: assigning it again revives it in place.
        t.set(mc, key(N - 2), Value::True).unwrap();
        t.set(mc, key(3), Value::True).unwrap();
        assert_eq!(order(t), vec![3, N - 2]);
        assert_eq!(t.0.borrow().hash_len(), N);
    });
}

#[test]
fn next_goes_on_from_a_removed_key_in_a_chunk() {
    rootless_mutate(|mc| {
        let t = big(mc, N);
        let in_chunk = HFLAT_MAX + HCHUNK + 3;
        t.set(mc, key(in_chunk), Value::Nil).unwrap();
        let d = t.0.borrow();
        let after = |i: usize| match d.next(key(i)) {
            Ok(Some((k, _))) => k.as_float().unwrap() as usize,
            _ => usize::MAX,
        };
        assert_eq!(after(in_chunk), in_chunk + 1);
        assert_eq!(after(in_chunk - 1), in_chunk + 1);
        // Across the end of the flat prefix and of a chunk.
        assert_eq!(after(HFLAT_MAX - 1), HFLAT_MAX);
        assert_eq!(after(HFLAT_MAX + HCHUNK - 1), HFLAT_MAX + HCHUNK);
        assert!(matches!(d.next(key(N - 1)), Ok(None)));
        assert!(d.next(key(N)).is_err());
        // `next` charges the removed entries it passes.
        assert_eq!(d.next_scanning(key(in_chunk - 1)).1, 1);
    });
}

#[test]
fn a_rehash_drops_removed_keys_of_chunks() {
    rootless_mutate(|mc| {
        let t = big(mc, N);
        for i in (0..N).step_by(3) {
            t.set(mc, key(i), Value::Nil).unwrap();
        }
        let cap = t.0.borrow().hash_capacity();
        // New keys up to a full part, then one more: a rebuild without the removed keys.
        let mut n = N;
        while t.0.borrow().hash_len() < cap {
            t.set(mc, key(n), Value::Int(n as i64)).unwrap();
            n += 1;
        }
        t.set(mc, key(n), Value::Int(n as i64)).unwrap();
        n += 1;
        let live: Vec<usize> = (0..n).filter(|i| *i >= N || i % 3 != 0).collect();
        let d = t.0.borrow();
        assert_eq!(d.hash_len(), live.len());
        for &i in &live {
            assert!(matches!(d.get(key(i)), Value::Int(j) if j == i as i64));
        }
        assert!(d.get(key(0)).is_nil());
        drop(d);
        assert_eq!(order(t), live);
    });
}

#[test]
fn big_hash_parts_restore_and_move_exactly() {
    rootless_mutate(|mc| {
        let t = big(mc, N);
        for i in (5..N).step_by(1000) {
            t.set(mc, key(i), Value::Nil).unwrap();
        }
        let (cap, entries) = {
            let d = t.0.borrow();
            (d.hash_capacity(), d.hash_entries())
        };
        let u = Table::new(mc, 3);
        assert!(u
            .data_mut(mc)
            .restore_parts(Vec::new(), entries.clone(), cap, 0, None, 0));
        assert_eq!(chunks_of(u), 4);
        assert_eq!(order(u), order(t));
        {
            let d = u.0.borrow();
            assert!(d.extra.as_ref().unwrap().index.is_sharded());
            assert_eq!(d.hash_capacity(), cap);
            for i in 0..N {
                assert!(d.get(key(i)).raw_eq(t.0.borrow().get(key(i))));
            }
        }
        // A duplicate key in a chunk is refused.
        let mut dup = entries.clone();
        dup.push((key(N - 10), Value::True));
        assert!(!Table::new(mc, 3)
            .data_mut(mc)
            .restore_parts(Vec::new(), dup, cap, 0, None, 0));
        // Taking the entries and putting them back (what parking a weak table does).
        let taken = u.0.borrow_mut(mc).take_entries();
        assert_eq!(chunks_of(u), 0);
        assert_eq!(taken.len(), N);
        u.0.borrow_mut(mc).put_entries(mc, taken);
        assert_eq!(order(u), order(t));
        assert!(u
            .0
            .borrow()
            .get(key(N - 1))
            .raw_eq(Value::Int(N as i64 - 1)));
    });
}

#[test]
fn a_part_made_big_without_an_index_is_sharded_at_its_first_chunk() {
    rootless_mutate(|mc| {
        // A constructor's sizes: a big capacity, no index yet (it grows from empty).
        let n = HFLAT_MAX + HCHUNK + 1;
        let t = Table::with_sizes(mc, 3, 0, n);
        for i in 0..HFLAT_MAX {
            t.set(mc, key(i), Value::Int(i as i64)).unwrap();
        }
        assert!(!t.0.borrow().extra.as_ref().unwrap().index.is_sharded());
        for i in HFLAT_MAX..n {
            t.set(mc, key(i), Value::Int(i as i64)).unwrap();
        }
        let d = t.0.borrow();
        assert_eq!(d.hash_capacity(), node_capacity(n));
        let e = d.extra.as_ref().unwrap();
        assert!(e.index.is_sharded() && e.index.len() == n);
        for i in 0..n {
            assert!(matches!(d.get(key(i)), Value::Int(j) if j == i as i64));
        }
        drop(d);
        assert_eq!(order(t), (0..n).collect::<Vec<_>>());
    });
}

/// Checks a big part against `live` (its key numbers in order, nothing removed): the
/// entries, the sizes, the chunks' invariants and the index.
fn check_compacted(t: Table<'_>, live: &[usize]) {
    let d = t.0.borrow();
    assert_eq!(d.hash_len(), live.len());
    let chunks = d.hchunk_list().map_or(Vec::new(), |l| l.borrow().clone());
    if !chunks.is_empty() {
        assert_eq!(d.entries.len(), HFLAT_MAX);
        for (n, c) in chunks.iter().enumerate() {
            let len = c.borrow().len();
            assert!(
                len == HCHUNK || (n + 1 == chunks.len() && len > 0),
                "chunk {n}: {len}"
            );
        }
    }
    let e = d.extra.as_ref().unwrap();
    assert!(e.index.is_sharded());
    assert_eq!(e.index.len(), live.len());
    for (pos, &i) in live.iter().enumerate() {
        assert!(
            matches!(d.entry(pos), Some((k, Value::Int(j))) if k.raw_eq(key(i)) && j == i as i64)
        );
        assert_eq!(d.find(key(i)), Some(pos), "key {i}");
    }
    drop(d);
    assert_eq!(order(t), live);
}

#[test]
fn a_rehash_with_removed_keys_compacts_the_part_in_place() {
    // Removal patterns: scattered, the whole flat prefix (chunk entries move into it),
    // whole chunks, all but a few (the chunks go), the last entries only.
    type Removed = fn(usize) -> bool;
    let patterns: [(&str, Removed); 5] = [
        ("scattered", |i| i % 7 == 3 || i % 11 == 0),
        ("flat prefix", |i| i < HFLAT_MAX),
        ("chunks", |i| {
            (HFLAT_MAX + HCHUNK..HFLAT_MAX + 3 * HCHUNK).contains(&i)
        }),
        ("most", |i| i % 5 != 0 || i > 50_000),
        ("last", |i| i + 40 >= N),
    ];
    for (name, removed) in patterns {
        rootless_mutate(|mc| {
            let t = big(mc, N);
            for i in (0..N).filter(|&i| removed(i)) {
                t.set(mc, key(i), Value::Nil).unwrap();
            }
            let cap = t.0.borrow().hash_capacity();
            let mut n = N;
            while t.0.borrow().hash_len() < cap {
                t.set(mc, key(n), Value::Int(n as i64)).unwrap();
                n += 1;
            }
            // Removed keys are still entries (tombstones) until the rehash.
            assert!(t.0.borrow().next(key(N - 1)).is_ok());
            t.set(mc, key(n), Value::Int(n as i64)).unwrap();
            n += 1;
            let live: Vec<usize> = (0..n).filter(|&i| i >= N || !removed(i)).collect();
            let d = t.0.borrow();
            let want = node_capacity(live.len());
            assert_eq!(d.hash_capacity(), want, "{name}");
            // The index has room for the new capacity, not much more.
            let room = d.extra.as_ref().unwrap().index.capacity();
            assert!(room >= live.len() && room <= 4 * want, "{name}: {room}");
            // A removed key is gone: `next` refuses it.
            if let Some(gone) = (0..N).find(|&i| removed(i)) {
                assert!(d.get(key(gone)).is_nil());
                assert!(d.next(key(gone)).is_err(), "{name}");
            }
            drop(d);
            check_compacted(t, &live);
            // The part works on: removals, revivals and new keys.
            t.set(mc, key(live[1]), Value::Nil).unwrap();
            t.set(mc, key(live[1]), Value::Int(live[1] as i64)).unwrap();
            t.set(mc, key(n), Value::Int(n as i64)).unwrap();
            let mut more = live.clone();
            more.push(n);
            check_compacted(t, &more);
        });
    }
}

#[test]
fn a_compaction_to_a_smaller_capacity_shrinks_the_index() {
    rootless_mutate(|mc| {
        let n = (1 << 16) + 5;
        let t = big(mc, n);
        assert_eq!(t.0.borrow().hash_capacity(), 1 << 17);
        for i in 40_000..n {
            t.set(mc, key(i), Value::Nil).unwrap();
        }
        // Keys added and removed at once up to a full part: 40,000 live entries are left.
        let mut m = n;
        while t.0.borrow().hash_len() < 1 << 17 {
            t.set(mc, key(m), Value::True).unwrap();
            t.set(mc, key(m), Value::Nil).unwrap();
            m += 1;
        }
        t.set(mc, key(m), Value::Int(m as i64)).unwrap();
        let mut live: Vec<usize> = (0..40_000).collect();
        live.push(m);
        {
            let d = t.0.borrow();
            assert_eq!(d.hash_capacity(), 1 << 16);
            let room = d.extra.as_ref().unwrap().index.capacity();
            assert!(room >= live.len() && room < 1 << 17, "{room}");
        }
        check_compacted(t, &live);
    });
}

#[test]
fn the_compacted_part_is_the_rebuilt_part() {
    rootless_mutate(|mc| {
        // Two tables alike; one rehashed in place, the other rebuilt by `resize` to the same
        // sizes (integer keys beyond the array part too).
        let make = || {
            let t = big(mc, N);
            for i in 0..200 {
                t.set(mc, Value::Int(1000 + 7 * i), Value::Int(i)).unwrap();
            }
            for i in (0..N).filter(|i| i % 3 == 1) {
                t.set(mc, key(i), Value::Nil).unwrap();
            }
            t
        };
        let (a, b) = (make(), make());
        let cap = a.0.borrow().hash_capacity();
        let mut n = N;
        while a.0.borrow().hash_len() < cap {
            a.set(mc, key(n), Value::Int(n as i64)).unwrap();
            b.set(mc, key(n), Value::Int(n as i64)).unwrap();
            n += 1;
        }
        a.set(mc, key(n), Value::True).unwrap();
        let live =
            b.0.borrow()
                .hash_entries()
                .iter()
                .filter(|e| !e.1.is_nil())
                .count();
        b.data_mut(mc).resize(0, live + 1);
        b.set(mc, key(n), Value::True).unwrap();
        let (da, db) = (a.0.borrow(), b.0.borrow());
        assert_eq!(da.hash_capacity(), db.hash_capacity());
        assert_eq!(da.array_size(), db.array_size());
        assert_eq!(da.length_limit(), db.length_limit());
        let (ea, eb) = (da.hash_entries(), db.hash_entries());
        assert_eq!(ea.len(), eb.len());
        assert!(ea
            .iter()
            .zip(&eb)
            .all(|(x, y)| x.0.raw_eq(y.0) && x.1.raw_eq(y.1)));
    });
}

/// Times the count and the compaction of a rehash at a million entries (`cargo test
/// --profile fast --lib time_a_compaction -- --ignored --nocapture`).
#[test]
#[ignore]
fn time_a_compaction() {
    rootless_mutate(|mc| {
        let n = 1_000_000;
        let t = big(mc, n);
        for i in (0..n).step_by(21) {
            t.set(mc, key(i), Value::Nil).unwrap();
        }
        let mut d = t.0.borrow_mut(mc);
        let s = std::time::Instant::now();
        let mut live = 0;
        d.each_entry_from(0, |_, e| {
            live += usize::from(!e.1.is_nil());
            true
        });
        let counted = s.elapsed();
        d.compact_hash_part(mc).unwrap();
        eprintln!("live {live}: count {counted:?}, all {:?}", s.elapsed());
    });
}
