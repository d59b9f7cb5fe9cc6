//! Unit tests of `vm::table` (kept apart: the table module is long enough).

use super::*;
use gc_arena::arena::rootless_mutate;

#[test]
fn border_and_sizes_follow_lua() {
    rootless_mutate(|mc| {
        let t = Table::new(mc, 7);
        for i in [1, 2, 4] {
            t.set(mc, Value::Int(i), Value::True).unwrap();
        }
        assert_eq!(t.length(mc), 4);
        assert_eq!(t.0.borrow().array_size(), 4);
        let t = Table::new(mc, 7);
        for i in 1..=100 {
            t.set(mc, Value::Int(i), Value::Int(i)).unwrap();
        }
        assert_eq!(t.length(mc), 100);
        t.set(mc, Value::Int(100), Value::Nil).unwrap();
        assert_eq!(t.length(mc), 99);
    });
}

#[test]
fn only_a_prefix_of_the_array_part_is_stored() {
    rootless_mutate(|mc| {
        let t = Table::with_sizes(mc, 3, 1000, 0);
        assert_eq!(t.0.borrow().array_size(), 1000);
        assert_eq!(t.0.borrow().array_stored(), 0);
        assert_eq!(t.length(mc), 0);
        for i in 1..=10 {
            t.set(mc, Value::Int(i), Value::Int(i)).unwrap();
        }
        let d = t.0.borrow();
        // (Stored by doubling: 4, 8, 16 slots.)
        assert_eq!(d.array_stored(), 16);
        assert!(d.array_stored() <= d.array_size());
        assert!(d.get_int(11).is_nil());
        assert!(d.get_int(1000).is_nil());
        assert_eq!(d.length(), 10);
        drop(d);
        // A write far inside the array part fills the gap with nils; `#` still finds a
        // border and `next` visits only the stored keys, in order.
        t.set(mc, Value::Int(500), Value::True).unwrap();
        let d = t.0.borrow();
        assert_eq!(d.array_stored(), 500);
        assert!(d.array_size() >= 500);
        let mut keys = Vec::new();
        let mut k = Value::Nil;
        while let Ok(Some((key, _))) = d.next(k) {
            keys.push(if let Value::Int(i) = key { i } else { -1 });
            k = key;
        }
        assert_eq!(keys, (1..=10).chain([500]).collect::<Vec<_>>());
        drop(d);
        // Shrinking moves stored keys past the new size into the hash part.
        t.data_mut(mc).resize(8, 4);
        let d = t.0.borrow();
        assert_eq!(d.array_size(), 8);
        assert!(matches!(d.get_int(9), Value::Int(9)));
        assert!(matches!(d.get_int(500), Value::True));
        assert_eq!(d.length(), 10);
    });
}

#[test]
fn small_hash_parts_have_no_index_and_big_ones_do() {
    rootless_mutate(|mc| {
        let t = Table::new(mc, 5);
        for i in 0..8 {
            t.set(mc, Value::float(i as f64 + 0.5), Value::Int(i))
                .unwrap();
        }
        assert!(t.0.borrow().extra.is_none());
        for i in 8..40 {
            t.set(mc, Value::float(i as f64 + 0.5), Value::Int(i))
                .unwrap();
        }
        let d = t.0.borrow();
        assert!(d.indexed() && d.extra.as_ref().is_some_and(|e| e.index.len() == 40));
        for i in 0..40 {
            assert!(matches!(d.get(Value::float(i as f64 + 0.5)), Value::Int(j) if j == i));
        }
        assert!(d.get(Value::float(40.5)).is_nil());
        drop(d);
        // A resize asked for too small a node part still holds (and indexes) every entry.
        t.data_mut(mc).resize(0, 2);
        let d = t.0.borrow();
        assert_eq!(d.hash_capacity(), 64);
        assert!(matches!(d.get(Value::float(39.5)), Value::Int(39)));
    });
}

#[test]
fn next_follows_insertion_order_and_survives_removal() {
    rootless_mutate(|mc| {
        let t = Table::new(mc, 1);
        for i in 0..50 {
            t.set(mc, Value::float(i as f64 + 0.5), Value::Int(i))
                .unwrap();
        }
        let mut k = Value::Nil;
        let mut seen = 0;
        loop {
            let next = t.0.borrow().next(k);
            let Ok(Some((key, v))) = next else { break };
            assert_eq!(v.as_float(), Some(seen as f64));
            k = key;
            seen += 1;
            // Clearing the current key during traversal is allowed.
            t.data_mut(mc).set(key, Value::Nil).unwrap_or(());
        }
        assert_eq!(seen, 50);
    });
}

#[test]
fn the_absent_metamethod_cache_forgets_names_that_get_an_entry() {
    use crate::vm::state::Tm;
    rootless_mutate(|mc| {
        let name = crate::vm::string::LuaStr::new(mc, 7, b"__index");
        let other = crate::vm::string::LuaStr::new(mc, 7, b"x");
        let mt = Table::new(mc, 7);
        mt.set(mc, Value::Str(other), Value::True).unwrap();
        assert!(mt.tm_field(mc, Tm::Index, || name, None).is_nil());
        assert!(mt.tm_known_absent(Tm::Index));
        // A store at an existing key keeps the cache; a new key resets it.
        mt.set(mc, Value::Str(other), Value::False).unwrap();
        assert!(mt.tm_known_absent(Tm::Index));
        mt.set(mc, Value::Str(name), Value::Int(1)).unwrap();
        assert!(!mt.tm_known_absent(Tm::Index));
        assert!(mt
            .tm_field(mc, Tm::Index, || name, None)
            .raw_eq(Value::Int(1)));
        // A removed key keeps its entry: never noted absent, so a store at its position
        // hint (which does not look at the cache) is seen.
        mt.set(mc, Value::Str(name), Value::Nil).unwrap();
        assert!(mt.tm_field(mc, Tm::Index, || name, None).is_nil());
        assert!(!mt.tm_known_absent(Tm::Index));
        let hint = std::cell::Cell::new(1);
        assert!(mt.data_mut(mc).set_str_hinted(name, &hint, Value::Int(2)));
        assert!(mt
            .tm_field(mc, Tm::Index, || name, None)
            .raw_eq(Value::Int(2)));
        // Names without a cache bit are looked up every time.
        assert!(mt
            .tm_field(mc, Tm::Add, || other, None)
            .raw_eq(Value::False));
    });
}

/// Whether two value lists are raw-equal item by item.
fn same<'gc>(a: &[Value<'gc>], b: &[Value<'gc>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.raw_eq(*y))
}

/// Every key of `t` in `next` order.
fn keys_in_order<'gc>(t: Table<'gc>) -> Vec<Value<'gc>> {
    let d = t.0.borrow();
    let mut keys = Vec::new();
    let mut k = Value::Nil;
    while let Ok(Some((key, _))) = d.next(k) {
        keys.push(key);
        k = key;
    }
    keys
}

#[test]
fn a_big_array_part_is_kept_in_chunks() {
    use chunks::{CHUNK, FLAT_MAX};
    rootless_mutate(|mc| {
        let n = (FLAT_MAX + 3 * CHUNK + 5) as i64;
        let t = Table::new(mc, 5);
        for i in 1..=n {
            t.set(mc, Value::Int(i), Value::Int(i * 2)).unwrap();
        }
        {
            let d = t.0.borrow();
            assert_eq!(d.array.len(), FLAT_MAX);
            assert_eq!(d.chunk_count(), 4);
            assert!(d.array_stored() <= d.array_size());
            assert_eq!(d.length(), n);
            for i in 1..=n {
                assert!(d.get_int(i).raw_eq(Value::Int(i * 2)));
            }
            assert!(d.get_int(n + 1).is_nil());
            let vals: Vec<_> = d.array_values().take(n as usize).collect();
            assert_eq!(vals.len(), n as usize);
            assert!(vals.last().is_some_and(|v| v.raw_eq(Value::Int(n * 2))));
        }
        assert_eq!(keys_in_order(t).len(), n as usize);
        // The slots on either side of each boundary.
        for i in [
            FLAT_MAX,
            FLAT_MAX + 1,
            FLAT_MAX + CHUNK,
            FLAT_MAX + CHUNK + 1,
        ] {
            let i = i as i64;
            assert!(t.get_int(mc, i).raw_eq(Value::Int(i * 2)));
            t.set(mc, Value::Int(i), Value::True).unwrap();
            assert!(t.get_int(mc, i).raw_eq(Value::True));
            assert!(t
                .get_index_int(mc, i)
                .is_some_and(|v| v.raw_eq(Value::True)));
            assert!(t.data_mut(mc).set_int_in_array(i, Value::False));
            assert!(t.get_int(mc, i).raw_eq(Value::False));
        }
        // A hole at a chunk's end is a border `#` can find, as in a flat part.
        let last = (FLAT_MAX + 4 * CHUNK) as i64;
        t.set(mc, Value::Int(n), Value::Nil).unwrap();
        assert_eq!(t.length(mc), n - 1);
        assert!(last >= n);
        // `next` goes on from a key in a chunk.
        let d = t.0.borrow();
        let k = Value::Int(FLAT_MAX as i64 + 7);
        let after = Value::Int(FLAT_MAX as i64 + 8);
        assert!(matches!(d.next(k), Ok(Some((a, _))) if a.raw_eq(after)));
    });
}

#[test]
fn a_chunked_array_part_shrinks_and_moves_its_keys() {
    use chunks::{CHUNK, FLAT_MAX};
    rootless_mutate(|mc| {
        let n = (FLAT_MAX + 2 * CHUNK) as i64;
        let t = Table::new(mc, 9);
        for i in 1..=n {
            t.set(mc, Value::Int(i), Value::Int(i)).unwrap();
        }
        // Shrinking to inside a chunk, then to inside the flat prefix.
        for size in [FLAT_MAX + CHUNK + 3, FLAT_MAX - 10] {
            t.data_mut(mc).resize(size, 4 * CHUNK);
            let d = t.0.borrow();
            assert_eq!(d.array_size(), size);
            assert!(d.array_stored() <= size);
            for i in 1..=n {
                assert!(d.get_int(i).raw_eq(Value::Int(i)), "key {i} at size {size}");
            }
            assert_eq!(d.length(), n);
        }
        assert!(t.0.borrow().chunk_count() == 0);
        let keys = keys_in_order(t);
        assert_eq!(keys.len(), n as usize);
        // Emptied and rehashed (a new key finds the hash part full), the array part goes.
        for i in 1..=n {
            t.set(mc, Value::Int(i), Value::Nil).unwrap();
        }
        let mut k = 0;
        while t.0.borrow().array_size() > 0 && k < 100_000 {
            k += 1;
            t.set(mc, Value::Float(F64::new(k as f64 + 0.5)), Value::True)
                .unwrap();
        }
        assert_eq!(t.0.borrow().array_size(), 0);
        assert_eq!(t.length(mc), 0);
    });
}

#[test]
fn chunked_parts_restore_and_park_exactly() {
    use chunks::{CHUNK, FLAT_MAX};
    rootless_mutate(|mc| {
        let n = FLAT_MAX + CHUNK + 100;
        let vals: Vec<Value> = (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    Value::Nil
                } else {
                    Value::Int(i as i64)
                }
            })
            .collect();
        let t = Table::new(mc, 1);
        assert!(t.data_mut(mc).restore_parts(
            vals.clone(),
            Vec::new(),
            0,
            vals.len() as u64,
            None,
            0
        ));
        let d = t.0.borrow();
        assert_eq!(d.array_size(), n);
        assert_eq!(d.array_stored(), n);
        assert!(same(&d.array_values().collect::<Vec<_>>(), &vals));
        drop(d);
        let taken = t.0.borrow_mut(mc).take_array();
        assert!(same(&taken, &vals));
        assert_eq!(t.0.borrow().array_stored(), 0);
        assert!(t.0.borrow().extra.is_none());
        t.0.borrow_mut(mc).put_array(mc, taken);
        assert!(same(
            &t.0.borrow().array_values().collect::<Vec<_>>(),
            &vals
        ));
        assert_eq!(t.length(mc), n as i64 - 1);
    });
}

/// A table of `n` array slots (a power of two) holding keys `1..=fill`.
fn filled<'gc>(mc: &Mutation<'gc>, n: usize, fill: i64) -> Table<'gc> {
    let t = Table::with_sizes(mc, 3, n, 0);
    for i in 1..=fill {
        t.set(mc, Value::Int(i), Value::Int(i)).unwrap();
    }
    t
}

#[test]
fn the_length_hint_moves_as_lua_moves_alimit() {
    rootless_mutate(|mc| {
        // `#t` makes the border it finds the hint (case 1: binary search from the size).
        let t = filled(mc, 16, 12);
        assert_eq!(t.length(mc), 12);
        assert_eq!(t.0.borrow().length_limit(), 12);
        // The size is still 16 (and so is what is charged).
        assert_eq!(t.0.borrow().array_size(), 16);
        // `t[#t+1] = v` moves it one up; `#t` then finds it at once (case 2).
        t.set(mc, Value::Int(13), Value::True).unwrap();
        assert_eq!(t.0.borrow().length_limit(), 13);
        assert_eq!(t.length(mc), 13);
        // A read above the hint moves it too (`luaH_getint`), a read below does not.
        assert!(t.0.borrow().get_int(15).is_nil());
        assert_eq!(t.0.borrow().length_limit(), 15);
        assert!(!t.0.borrow().get_int(3).is_nil());
        assert_eq!(t.0.borrow().length_limit(), 15);
        // Case 1 again: t[15] and t[14] nil, binary search in [0, 15).
        assert_eq!(t.length(mc), 13);
        // Reaching the size makes the limit the size again (a power of two).
        assert!(t.0.borrow().get_int(16).is_nil());
        assert_eq!(t.0.borrow().length_limit(), 16);
        // `t[#t] = nil`: the slot before the limit is the border, and the new hint.
        assert_eq!(t.length(mc), 13);
        assert_eq!(t.0.borrow().length_limit(), 13);
        t.set(mc, Value::Int(13), Value::Nil).unwrap();
        assert_eq!(t.length(mc), 12);
        assert_eq!(t.0.borrow().length_limit(), 12);
        // A resize (even to the same size) drops the hint.
        t.data_mut(mc).resize(16, 0);
        assert_eq!(t.0.borrow().length_limit(), 16);
        assert_eq!(t.0.borrow().array_size(), 16);
    });
}

#[test]
fn which_border_is_found_depends_on_the_hint() {
    rootless_mutate(|mc| {
        // Keys 1..3 and 9..12 of 16 slots: from the hint 12 the border is 12; once a read
        // moved the hint to 15, the search from 15 finds 3 (Lua 5.4 prints the same).
        let t = filled(mc, 16, 12);
        for i in 4..=8 {
            t.set(mc, Value::Int(i), Value::Nil).unwrap();
        }
        t.0.borrow().sizes.set_hint(12);
        assert_eq!(t.length(mc), 12);
        let _ = t.0.borrow().get_int(15);
        assert_eq!(t.length(mc), 3);
        // A size that is not a power of two (a constructor's) never takes a hint.
        let t = filled(mc, 12, 10);
        assert_eq!(t.length(mc), 10);
        assert_eq!(t.0.borrow().length_limit(), 12);
    });
}

#[test]
fn the_length_hint_survives_a_restore_and_a_bad_one_is_refused() {
    rootless_mutate(|mc| {
        let vals: Vec<Value> = (1..=16)
            .map(|i| if i <= 10 { Value::Int(i) } else { Value::Nil })
            .collect();
        let t = Table::new(mc, 1);
        assert!(t
            .data_mut(mc)
            .restore_parts(vals.clone(), Vec::new(), 0, 10, None, 0));
        assert_eq!(t.0.borrow().length_limit(), 10);
        assert_eq!(t.0.borrow().array_size(), 16);
        assert_eq!(t.length(mc), 10);
        // Anything but the size or a hint in (size / 2, size) of a power-of-two size.
        for bad in [0u64, 8, 17, u64::MAX, 1 << 32] {
            assert!(!t
                .data_mut(mc)
                .restore_parts(vals.clone(), Vec::new(), 0, bad, None, 0));
        }
        let odd: Vec<Value> = vals[..12].to_vec();
        assert!(!t
            .data_mut(mc)
            .restore_parts(odd.clone(), Vec::new(), 0, 10, None, 0));
        assert!(t
            .data_mut(mc)
            .restore_parts(odd, Vec::new(), 0, 12, None, 0));
        assert_eq!(t.length(mc), 10);
    });
}
