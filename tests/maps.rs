//! Maps and sets: lookups in place, deterministic bytes, in-place values, and
//! hostile hash indexes. In memory only, so these tests also run under Miri
//! (`cargo +nightly miri test --test maps`).

mod common;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::BuildHasherDefault;

use common::*;
use mmf::{Error, Mapped, Problem};

fn counts(n: u64) -> HashMap<String, u64> {
    (0..n).map(|i| (format!("walker-{i}"), i * 3)).collect()
}

#[test]
fn every_key_is_found_and_no_other() {
    let n = if cfg!(miri) { 40 } else { 5000 };
    let map = counts(n);
    let bytes = mmf::to_bytes(&map);
    let view = mmf::from_bytes::<HashMap<String, u64>>(&bytes).unwrap();
    assert_eq!(view.len(), n as usize);
    for (key, value) in &map {
        assert_eq!(view.get(key), Some(*value), "{key}");
    }
    for missing in ["", "walker-", "walker-99999", "Walker-1"] {
        assert_eq!(view.get(missing), None);
        assert!(!view.contains_key(missing));
    }
    // The reader by schema finds the same values.
    let image = mmf::DynImage::new(&bytes).unwrap();
    for (key, value) in map.iter().take(500) {
        let found = image.root().map_get(key).and_then(|v| v.scalar());
        assert_eq!(found, Some(mmf::ScalarValue::U64(*value)), "{key}");
    }
    assert!(image.root().map_get("walker-99999").is_none());
    let back: HashMap<String, u64> = mmf::from_bytes::<HashMap<String, u64>>(&bytes)
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(back, map);
}

#[test]
fn the_same_entries_give_the_same_bytes_whatever_the_order_or_hasher() {
    let forward: HashMap<String, u64> = counts(300);
    let mut backward: HashMap<String, u64, BuildHasherDefault<DefaultHasher>> = HashMap::default();
    let mut entries: Vec<_> = forward.iter().collect();
    entries.reverse();
    for (k, v) in entries {
        backward.insert(k.clone(), *v);
    }
    assert_eq!(
        <HashMap<String, u64> as Mapped>::SCHEMA_HASH,
        <HashMap<String, u64, BuildHasherDefault<DefaultHasher>> as Mapped>::SCHEMA_HASH,
        "the hasher is not part of the file format"
    );
    assert_eq!(&mmf::to_bytes(&forward)[..], &mmf::to_bytes(&backward)[..]);
    // `to_owned` rebuilds the user's map type, hasher included.
    let bytes = mmf::to_bytes(&backward);
    let owned =
        mmf::from_bytes_owned::<HashMap<String, u64, BuildHasherDefault<DefaultHasher>>>(&bytes);
    assert_eq!(owned.unwrap(), backward);
}

#[test]
fn sorted_maps_and_sets_iterate_in_order() {
    let heights =
        BTreeMap::from([(2962, "Säntis".to_owned()), (1798, "Rigi".into()), (-5, "Mine".into())]);
    let bytes = mmf::to_bytes(&heights);
    let view = mmf::from_bytes::<BTreeMap<i32, String>>(&bytes).unwrap();
    assert_eq!(view.iter().collect::<Vec<_>>(), [(-5, "Mine"), (1798, "Rigi"), (2962, "Säntis")]);
    assert_eq!(view.get(1798), Some("Rigi"));
    assert_eq!(view.get(0), None);
    let image = mmf::DynImage::new(&bytes).unwrap();
    assert_eq!(image.root().map_get("-5").and_then(|v| v.as_str()), Some("Mine"));
    assert!(image.root().map_get("0").is_none() && image.root().map_get("x").is_none());
    assert_eq!(format!("{view:?}"), r#"{-5: "Mine", 1798: "Rigi", 2962: "Säntis"}"#);

    let years = BTreeSet::from([2024u16, 1999, 2010]);
    let bytes = mmf::to_bytes(&years);
    let view = mmf::from_bytes::<BTreeSet<u16>>(&bytes).unwrap();
    assert_eq!(view.iter().collect::<Vec<_>>(), [1999, 2010, 2024]);
    assert!(view.contains(2010) && !view.contains(2011));

    let tags: HashSet<char> = "alpine".chars().collect();
    let bytes = mmf::to_bytes(&tags);
    let view = mmf::from_bytes::<HashSet<char>>(&bytes).unwrap();
    assert_eq!(view.len(), 6);
    assert!(view.contains('p') && !view.contains('z'));
}

#[test]
fn values_change_in_place_and_maps_nest() {
    let mut value = everything();
    value.counts.insert("Säntis".into(), 1);
    let mut bytes = mmf::to_bytes(&value);
    {
        let mut root = mmf::from_bytes_mut::<Everything>(&mut bytes).unwrap();
        *root.counts_mut().get_mut("Säntis").unwrap() += 41;
        assert!(root.counts_mut().get_mut("Titlis").is_none());
        let mut hikes = root.hikes_by_year_mut();
        let mut hike = hikes.get_mut(2024).unwrap();
        hike.gps_track_mut()[0].z = -1.0;
    }
    let view = mmf::from_bytes::<Everything>(&bytes).unwrap();
    assert_eq!(view.counts().get("Säntis"), Some(42));
    assert_eq!(view.hikes_by_year().get(2024).unwrap().gps_track().get(0).unwrap().z(), -1.0);
    value.counts.insert("Säntis".into(), 42);
    value.hikes_by_year.get_mut(&2024).unwrap().gps_track[0].z = -1.0;
    assert_eq!(view.to_owned(), value);
}

/// The offset of the root map's stored form, and the form itself.
fn lists(bytes: &[u8]) -> (usize, mmf::RawMap<mmf::RawStr, u64>) {
    let header = mmf::Header::read(bytes).unwrap();
    let at = header.root_offset as usize;
    let raw: mmf::RawMap<mmf::RawStr, u64> = *bytemuck::from_bytes(&bytes[at..at + 56]);
    (at, raw)
}

fn refused(bytes: &[u8]) -> String {
    let err = mmf::from_bytes::<HashMap<String, u64>>(bytes).unwrap_err();
    let by_schema = mmf::DynImage::new(bytes).err().expect("refused by schema too");
    assert_eq!(by_schema.to_string(), err.to_string(), "the schema reader says the same");
    assert!(matches!(err, Error::Invalid { problem: Problem::InvalidMap { .. }, .. }), "{err}");
    err.to_string()
}

/// The slots that hold an entry, by their tags.
fn occupied(bytes: &[u8], raw: &mmf::RawMap<mmf::RawStr, u64>) -> Vec<usize> {
    let tags: &[u16] =
        bytemuck::cast_slice(&bytes[raw.tags.offset as usize..][..2 * raw.tags.len as usize]);
    (0..tags.len()).filter(|&i| tags[i] != 0).collect()
}

#[test]
fn a_hostile_table_is_refused() {
    let good = mmf::to_bytes(&counts(64));
    let (at, raw) = lists(&good);
    let slots = occupied(&good, &raw);
    let word = |bytes: &mut [u8], offset: u64, value: u64| {
        bytes[offset as usize..][..8].copy_from_slice(&value.to_ne_bytes());
    };
    let tag_at = |slot: usize| (raw.tags.offset as usize) + 2 * slot;

    // A tag whose hash bits are not the key's: a lookup would pass it by.
    let mut bytes = good.clone();
    bytes[tag_at(slots[5]) + 1] ^= 0x40;
    assert!(refused(&bytes).contains("a slot's tag is not its key's"));

    // Two entries swapped, tags and all: out of order.
    let mut bytes = good.clone();
    let (k, t) = (raw.keys.offset as usize, raw.tags.offset as usize);
    for (base, size) in [(k, 16), (t, 2)] {
        let (a, b) = (base + slots[3] * size, base + slots[4] * size);
        let first = bytes[a..a + size].to_vec();
        bytes.copy_within(b..b + size, a);
        bytes[b..b + size].copy_from_slice(&first);
    }
    let err = refused(&bytes);
    assert!(err.contains("out of order") || err.contains("tag is not its key's"), "{err}");

    // An entry emptied: the length no longer counts the entries.
    let mut bytes = good.clone();
    bytes[tag_at(slots[7])..tag_at(slots[7]) + 2].fill(0);
    assert!(refused(&bytes).contains("its length is not its number of entries"));

    // One value short of the key slots.
    let mut bytes = good.clone();
    word(&mut bytes, at as u64 + 24, raw.values.len - 1);
    assert!(refused(&bytes).contains("not one value per key"));
}

#[test]
fn an_entry_away_from_its_home_slot_is_refused() {
    // Entries moved one slot up (keys, values and tags, unchanged):
    // their tags now give the wrong distance from home.
    // A map whose last slot is empty, so that every entry can move up.
    let (good, raw, slots) = (3..20)
        .map(|n| {
            let good = mmf::to_bytes(&counts(n));
            let (_, raw) = lists(&good);
            let slots = occupied(&good, &raw);
            (good, raw, slots)
        })
        .find(|(_, raw, slots)| !slots.contains(&(raw.keys.len as usize - 1)))
        .expect("some small map leaves its last slot empty");
    let mut bytes = good.clone();
    for (base, size) in [(raw.keys.offset, 16), (raw.values.offset, 8), (raw.tags.offset, 2)] {
        let base = base as usize;
        for &slot in slots.iter().rev() {
            let (from, to) = (base + slot * size, base + (slot + 1) * size);
            bytes.copy_within(from..from + size, to);
            bytes[from..from + size].fill(0);
        }
    }
    let err = refused(&bytes);
    assert!(err.contains("a slot's tag is not its key's"), "{err}");
}

#[test]
fn a_key_that_is_there_twice_is_refused() {
    let map = BTreeMap::from([(1u32, 10u8), (2, 20), (3, 30)]);
    let mut bytes = mmf::to_bytes(&map);
    let header = mmf::Header::read(&bytes).unwrap();
    let raw: mmf::RawMap<u32, u8> =
        *bytemuck::from_bytes(&bytes[header.root_offset as usize..][..56]);
    let keys = raw.keys.offset as usize;
    bytes[keys + 4..keys + 8].copy_from_slice(&1u32.to_ne_bytes());
    let err = mmf::from_bytes::<BTreeMap<u32, u8>>(&bytes).unwrap_err().to_string();
    assert!(err.contains("its keys are out of order, or one is there twice"), "{err}");
    assert_eq!(mmf::DynImage::new(&bytes).err().unwrap().to_string(), err);
}

#[test]
fn tuples_of_keys_are_keys() {
    use std::collections::{BTreeMap, HashSet};
    let visits: HashMap<(u16, String), u32> =
        (0..500u16).map(|i| ((2000 + i % 25, format!("peak-{}", i / 25)), u32::from(i))).collect();
    let bytes = mmf::to_bytes(&visits);
    let view = mmf::from_bytes::<HashMap<(u16, String), u32>>(&bytes).unwrap();
    for ((year, peak), count) in &visits {
        assert_eq!(view.get((*year, peak.as_str())), Some(*count));
    }
    assert_eq!(view.get((1999, "peak-0")), None);
    assert_eq!(view.get((2000, "peak-99")), None);
    // The schema reader validates and finds them too, keys written as tuples.
    let image = mmf::DynImage::new(&bytes).unwrap();
    let found = image.root().map_get(r#"(2003, "peak-1")"#).and_then(|v| v.scalar());
    assert_eq!(found, Some(mmf::ScalarValue::U32(28)));
    assert!(image.root().map_get("(2003)").is_none());
    #[derive(mmf::Mapped)]
    struct Log {
        visits: HashMap<(u16, String), u32>,
        years: std::collections::BTreeSet<i64>,
    }
    let log = Log { visits: visits.clone(), years: [-44, 1291].into() };
    let bytes = mmf::to_bytes(&log);
    let image = mmf::DynImage::new(&bytes).unwrap();
    let found = image.root().path(r#"visits[(2003, "peak-1")]"#).unwrap().scalar();
    assert_eq!(found, Some(mmf::ScalarValue::U32(28)));
    assert_eq!(image.root().path("years[-44]").unwrap().scalar(), Some(mmf::ScalarValue::I64(-44)));

    let sorted: BTreeMap<(bool, char, i64), u8> =
        [((true, 'a', -1), 1), ((false, 'z', 5), 2), ((true, 'a', -7), 3)].into();
    let bytes = mmf::to_bytes(&sorted);
    let view = mmf::from_bytes::<BTreeMap<(bool, char, i64), u8>>(&bytes).unwrap();
    let keys: Vec<_> = view.keys().collect();
    assert_eq!(keys, [(false, 'z', 5), (true, 'a', -7), (true, 'a', -1)], "in Rust's order");
    assert!(mmf::DynImage::new(&bytes).is_ok());

    let set: HashSet<(String,)> = [("a".to_owned(),), ("b".to_owned(),)].into();
    let bytes = mmf::to_bytes(&set);
    let view = mmf::from_bytes::<HashSet<(String,)>>(&bytes).unwrap();
    assert!(view.contains(("b",)) && !view.contains(("c",)));
    assert_eq!(mmf::to_bytes(&set.clone())[..], bytes[..], "deterministic");
}

/// A struct that keys a map: `#[mmf(key)]`, with `Ord` and `Hash` as usual.
#[derive(Mapped, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[mmf(key)]
pub struct Cell {
    pub row: u16,
    pub column: u16,
    pub sheet: String,
}

#[test]
fn a_struct_with_the_key_attribute_is_a_key() {
    use std::collections::BTreeMap;
    let cell = |row, column, sheet: &str| Cell { row, column, sheet: sheet.into() };
    let cells: HashMap<Cell, f64> = (0..300u16)
        .map(|i| (cell(i / 10, i % 10, if i % 2 == 0 { "a" } else { "b" }), f64::from(i)))
        .collect();
    let bytes = mmf::to_bytes(&cells);
    let view = mmf::from_bytes::<HashMap<Cell, f64>>(&bytes).unwrap();
    for (key, value) in &cells {
        assert_eq!(view.get(mmf::MapKey::as_query(key)), Some(*value));
    }
    assert_eq!(view.get((3, 4, "a")), Some(34.0), "a tuple of the fields' queries");
    assert_eq!(view.get((3, 4, "b")), None);
    assert!(mmf::DynImage::new(&bytes).is_ok(), "the schema reader validates it too");

    let sorted: BTreeMap<Cell, u8> =
        [(cell(2, 0, "a"), 1), (cell(1, 9, "z"), 2), (cell(1, 9, "b"), 3)].into();
    let bytes = mmf::to_bytes(&sorted);
    let view = mmf::from_bytes::<BTreeMap<Cell, u8>>(&bytes).unwrap();
    let order: Vec<_> = view.keys().map(|k| (k.row(), k.column(), k.sheet())).collect();
    assert_eq!(order, [(1, 9, "b"), (1, 9, "z"), (2, 0, "a")], "field by field");
    assert_eq!(mmf::from_bytes_owned::<BTreeMap<Cell, u8>>(&bytes).unwrap(), sorted);
    let image = mmf::DynImage::new(&bytes).unwrap();
    let found = image.root().map_get(r#"(1, 9, "z")"#).and_then(|v| v.scalar());
    assert_eq!(found, Some(mmf::ScalarValue::U8(2)));
}

/// A fieldless enum keyed by its discriminant.
#[derive(Mapped, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
#[mmf(key)]
pub enum Grade {
    Easy = 1,
    Hard = 3,
    Alpine = 2,
}

#[test]
fn arrays_lists_options_and_fieldless_enums_are_keys() {
    use std::collections::{BTreeMap, BTreeSet};
    let n: u32 = if cfg!(miri) { 20 } else { 200 };
    let ids: HashMap<[u8; 16], u32> = (0..n).map(|i| ([i as u8; 16], i)).collect();
    let bytes = mmf::to_bytes(&ids);
    let view = mmf::from_bytes::<HashMap<[u8; 16], u32>>(&bytes).unwrap();
    assert_eq!(view.get(&[7; 16]), Some(7));
    assert_eq!(view.get(&[255; 16]), None);
    assert!(mmf::DynImage::new(&bytes).is_ok());

    let routes: BTreeMap<Vec<String>, u8> = [
        (vec!["Rigi".to_owned(), "Pilatus".to_owned()], 1),
        (vec!["Rigi".to_owned()], 2),
        (vec![], 3),
    ]
    .into();
    let bytes = mmf::to_bytes(&routes);
    let view = mmf::from_bytes::<BTreeMap<Vec<String>, u8>>(&bytes).unwrap();
    assert_eq!(view.get(&["Rigi".to_owned()]), Some(2));
    let lengths: Vec<_> = view.keys().map(|k| k.len()).collect();
    assert_eq!(lengths, [0, 1, 2], "as Rust orders lists: shorter first");
    assert!(mmf::DynImage::new(&bytes).is_ok());

    let maybe: BTreeSet<Option<i32>> = [Some(3), None, Some(-1)].into();
    let bytes = mmf::to_bytes(&maybe);
    let view = mmf::from_bytes::<BTreeSet<Option<i32>>>(&bytes).unwrap();
    assert_eq!(view.iter().collect::<Vec<_>>(), [None, Some(-1), Some(3)]);
    assert!(view.contains(None) && !view.contains(Some(0)));
    assert!(mmf::DynImage::new(&bytes).is_ok());

    let grades: HashMap<Grade, u32> =
        [(Grade::Easy, 10), (Grade::Hard, 2), (Grade::Alpine, 5)].into();
    let bytes = mmf::to_bytes(&grades);
    let view = mmf::from_bytes::<HashMap<Grade, u32>>(&bytes).unwrap();
    assert_eq!(view.get(Grade::Alpine), Some(5));
    let image = mmf::DynImage::new(&bytes).unwrap();
    assert_eq!(
        image.root().map_get("Hard").and_then(|v| v.scalar()),
        Some(mmf::ScalarValue::U32(2))
    );
}
