//! The in-memory path (`to_bytes`, `from_bytes`, `from_bytes_mut`): round trips,
//! determinism, padding, in-place updates and the validation errors. These tests
//! touch no file, so they also run under Miri:
//! `cargo +nightly miri test --test in_memory`.

mod common;

use common::*;
use mmf::{AlignedBytes, Kind, Layout, Mapped, Scalar};

#[test]
fn every_type_round_trips_through_bytes() {
    let value = everything();
    let bytes = mmf::to_bytes(&value);
    let view = mmf::from_bytes::<Everything>(&bytes).unwrap();
    assert_eq!(view.to_owned(), value);

    assert_eq!(view.a_u8(), 0xab);
    assert_eq!(view.a_u128(), u128::MAX - 2);
    assert_eq!(view.a_i128(), i128::MIN + 1);
    assert!(view.a_f64().is_sign_negative());
    assert!(view.flag());
    assert_eq!(view.letter(), 'ß');
    assert_eq!(view.text(), "Grüezi mitenand — 你好");
    assert_eq!(view.boxed_text(), "");
    assert_eq!(view.numbers().as_slice(), &[1, 2, 3, 65535]);
    assert_eq!(view.boxed_numbers().to_vec(), vec![-1, 0, 1]);
    assert_eq!(view.some(), Some(42));
    assert_eq!(view.none(), None);
    assert_eq!(view.some_text(), Some("da"));
    assert_eq!(view.option_of_struct().unwrap().z(), coord(9).z);
    assert_eq!(view.bytes().as_slice(), &[1, 2, 3]);
    assert_eq!(view.coords().get(1).unwrap().to_owned(), coord(2));
    assert_eq!(view.padded().to_owned(), padded(1));
    assert_eq!(view.padded_list().iter().map(|p| p.a()).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(view.difficulty(), Difficulty::Hard);
    assert_eq!(view.weather().to_vec(), [Weather::Sun, Weather::Rain, Weather::Snow]);
    assert_eq!((view.pair()._0(), view.pair()._1()), (9, 2.25));
    assert_eq!(view.nested_lists().get(1).unwrap().iter().collect::<Vec<_>>(), ["a", "", "ç"]);
    assert!(view.nested_lists().get(0).unwrap().is_empty());
    assert_eq!(view.flags().iter().collect::<Vec<_>>(), [true, false, true]);
    assert_eq!(view.letters().iter().collect::<Vec<_>>(), ['a', '🦀']);
    assert_eq!(view.hikes().get(1).unwrap().gps_track().len(), 0);
    assert_eq!(view.hikes().get(0).unwrap().description(), "Tour 0 über den Grat 🏔");
}

#[test]
fn built_in_roots_round_trip() {
    let bytes = mmf::to_bytes(&vec![String::from("x"); 3]);
    assert_eq!(mmf::from_bytes::<Vec<String>>(&bytes).unwrap().to_vec(), vec!["x"; 3]);
    let bytes = mmf::to_bytes(&7u64);
    assert_eq!(mmf::from_bytes::<u64>(&bytes).unwrap(), 7);
    let bytes = mmf::to_bytes(&Some(Some(1u8)));
    assert_eq!(mmf::from_bytes::<Option<Option<u8>>>(&bytes).unwrap(), Some(Some(1)));
    let bytes = mmf::to_bytes(&Empty {});
    assert_eq!(mmf::from_bytes::<Empty>(&bytes).unwrap().to_owned(), Empty {});
    let bytes = mmf::to_bytes(&[padded(3), padded(4)]);
    assert_eq!(mmf::from_bytes::<[Padded; 2]>(&bytes).unwrap().to_vec(), [padded(3), padded(4)]);
}

#[test]
fn hiking_database_round_trips_and_views_read_in_place() {
    let db = database(5, 20);
    let bytes = mmf::to_bytes(&db);
    let root = mmf::from_bytes::<HikingDatabase>(&bytes).unwrap();
    assert_eq!(root.to_owned(), db);
    let hike = root.hikes().get(3).unwrap();
    assert_eq!(hike.date(), db.hikes[3].date);
    let track: &[CoordRaw] = hike.gps_track().try_as_slice().unwrap();
    assert_eq!(track[7].z, db.hikes[3].gps_track[7].z);
    // The slice points into the buffer: no copy was made.
    let range = bytes.as_ptr_range();
    assert!(range.contains(&(track.as_ptr() as *const u8)));
    assert!(range.contains(&hike.date().as_ptr()));
}

#[test]
fn same_value_gives_same_bytes() {
    let a = mmf::to_bytes(&everything());
    let b = mmf::to_bytes(&everything().clone());
    assert_eq!(&a[..], &b[..]);
    let c = mmf::to_bytes(&database(3, 4));
    let d = mmf::to_bytes(&database(3, 4));
    assert_eq!(&c[..], &d[..]);
}

/// Checks, with nothing but the offset table, that every byte of a stored
/// form that belongs to no field is zero, following lists into their blocks.
fn assert_padding_zero(bytes: &[u8], layout: &Layout, at: usize, path: &str) {
    let stored = &bytes[at..at + layout.size];
    match layout.kind {
        Kind::Struct(fields) => {
            let mut covered = vec![false; layout.size];
            for field in fields {
                assert_eq!(field.size, field.layout.size, "{path}.{}", field.name);
                covered[field.offset..field.offset + field.size].fill(true);
                assert_padding_zero(
                    bytes,
                    field.layout,
                    at + field.offset,
                    &format!("{path}.{}", field.name),
                );
            }
            for (i, byte) in stored.iter().enumerate() {
                assert!(
                    covered[i] || *byte == 0,
                    "{path}: padding byte {i} of {} is {byte}",
                    layout.name
                );
            }
        }
        Kind::Array { element, len } => {
            for i in 0..len {
                assert_padding_zero(bytes, element, at + i * element.size, &format!("{path}[{i}]"));
            }
        }
        Kind::Option(value) => {
            let value_at = layout.size - value.size;
            let tag = stored[0];
            assert!(stored[1..value_at].iter().all(|&b| b == 0), "{path}: option padding");
            if tag == 1 {
                assert_padding_zero(bytes, value, at + value_at, &format!("{path}?"));
            } else {
                assert!(stored[value_at..].iter().all(|&b| b == 0), "{path}: None holds a value");
            }
        }
        Kind::List(element) => {
            let offset = u64::from_ne_bytes(stored[..8].try_into().unwrap()) as usize;
            let len = u64::from_ne_bytes(stored[8..16].try_into().unwrap()) as usize;
            if len == 0 {
                assert_eq!(offset, 0, "{path}: an empty list points nowhere");
            }
            for i in 0..len {
                assert_padding_zero(
                    bytes,
                    element,
                    offset + i * element.size,
                    &format!("{path}[{i}]"),
                );
            }
        }
        Kind::Scalar(Scalar::Bool) => assert!(stored[0] <= 1),
        _ => {}
    }
}

#[test]
fn padding_bytes_are_zero() {
    let bytes = mmf::to_bytes(&everything());
    let header = mmf::Header::read(&bytes).unwrap();
    assert_padding_zero(&bytes, Everything::LAYOUT, header.root_offset as usize, "root");
    // The explicit padding fields make the mirror exactly as large as `repr(C)` would.
    assert_eq!(size_of::<PaddedRaw>(), 64);
    assert_eq!(Padded::LAYOUT.align, 16);
}

#[test]
fn offset_table_matches_the_mirror() {
    let Kind::Struct(fields) = Hike::LAYOUT.kind else { panic!("a struct") };
    let names: Vec<_> = fields.iter().map(|f| (f.name, f.offset, f.size)).collect();
    assert_eq!(names, [("date", 0, 16), ("description", 16, 16), ("gps_track", 32, 16)]);
    assert_eq!((Hike::LAYOUT.name, Hike::LAYOUT.size, Hike::LAYOUT.align), ("Hike", 48, 8));
    let Kind::Struct(fields) = Padded::LAYOUT.kind else { panic!("a struct") };
    let offsets: Vec<_> = fields.iter().map(|f| f.offset).collect();
    assert_eq!(offsets, [0, 8, 16, 20, 24, 32, 48]);
    assert_eq!(core::mem::offset_of!(PaddedRaw, f), 32);
}

#[test]
fn schema_hash_is_stable_and_distinguishes_types() {
    // A change of these numbers means a change of the file format.
    assert_eq!(Coord::SCHEMA_HASH, 0xdf7b_a76e_1842_73c5);
    assert_eq!(Hike::SCHEMA_HASH, 0x43c4_184c_31db_3019);
    assert_eq!(HikingDatabase::SCHEMA_HASH, 0x9d8d_f7b1_b515_8428);
    assert_eq!(Coord::SCHEMA_HASH, mmf::schema::hash(Coord::LAYOUT));
    assert_ne!(Hike::SCHEMA_HASH, HikingDatabase::SCHEMA_HASH);
    assert_ne!(Difficulty::SCHEMA_HASH, <u8 as Mapped>::SCHEMA_HASH);
    assert_eq!(<Vec<u8> as Mapped>::SCHEMA_HASH, <Box<[u8]> as Mapped>::SCHEMA_HASH);
    let bytes = mmf::schema::encode(HikingDatabase::LAYOUT);
    assert_eq!(mmf::schema::root_name(&bytes), Some("HikingDatabase"));
    assert_eq!(mmf::schema::hash_of(&bytes), HikingDatabase::SCHEMA_HASH);
}

#[test]
fn in_place_updates_through_from_bytes_mut() {
    let db = database(4, 10);
    let mut bytes = mmf::to_bytes(&db);
    {
        let mut root = mmf::from_bytes_mut::<HikingDatabase>(&mut bytes).unwrap();
        root.hikes_mut().get_mut(3).unwrap().gps_track_mut().as_mut_slice()[7].z = 4807.5;
        let mut hikes = root.hikes_mut();
        // Several element views at once: their blocks are disjoint.
        let mut views: Vec<_> = hikes.iter_mut().collect();
        let (first, rest) = views.split_at_mut(1);
        let track0 = first[0].gps_track_mut();
        let mut track1 = rest[0].gps_track_mut();
        track1.get_mut(0).unwrap().set_x(-1.0);
        *track1.get_mut(1).unwrap().y_mut() += 1.0;
        assert_eq!(track0.get(0).unwrap().x(), db.hikes[0].gps_track[0].x);
        assert_eq!(rest[1].date(), db.hikes[2].date);
    }
    let mut expected = db;
    expected.hikes[3].gps_track[7].z = 4807.5;
    expected.hikes[1].gps_track[0].x = -1.0;
    expected.hikes[1].gps_track[1].y += 1.0;
    assert_eq!(mmf::from_bytes::<HikingDatabase>(&bytes).unwrap().to_owned(), expected);
    // The same value written anew gives the same bytes as the updated ones.
    assert_eq!(&mmf::to_bytes(&expected)[..], &bytes[..]);
}

#[test]
fn checked_fields_are_set_not_exposed() {
    let mut bytes = mmf::to_bytes(&everything());
    {
        let mut view = mmf::from_bytes_mut::<Everything>(&mut bytes).unwrap();
        view.set_flag(false);
        view.letter_mut().set('x');
        view.set_difficulty(Difficulty::Easy);
        view.weather_mut().set(0, Weather::Snow);
        view.set_some(None);
        view.set_option_of_struct(Some(coord(100)));
        view.set_pair(Pair(1, 1.0));
        view.padded_mut().set_g(true);
        view.set_letters(['y', 'z']);
        view.flags_mut().get_mut(1).unwrap().set(true);
        assert_eq!(view.text_mut(), "Grüezi mitenand — 你好");
        view.numbers_mut().as_mut_slice()[0] = 100;
        view.coords_mut().as_mut_slice()[0].x = 0.5;
    }
    let got = mmf::from_bytes::<Everything>(&bytes).unwrap().to_owned();
    let mut expected = everything();
    expected.flag = false;
    expected.letter = 'x';
    expected.difficulty = Difficulty::Easy;
    expected.weather[0] = Weather::Snow;
    expected.some = None;
    expected.option_of_struct = Some(coord(100));
    expected.pair = Pair(1, 1.0);
    expected.padded.g = true;
    expected.letters = ['y', 'z'];
    expected.flags[1] = true;
    expected.numbers[0] = 100;
    expected.coords[0].x = 0.5;
    assert_eq!(got, expected);
    assert_eq!(&mmf::to_bytes(&expected)[..], &bytes[..]);
}

#[test]
fn debug_output_reads_like_the_value() {
    let bytes = mmf::to_bytes(&hike(1, 2));
    let view = mmf::from_bytes::<Hike>(&bytes).unwrap();
    let text = format!("{view:?}");
    assert!(text.starts_with("Hike { date: \"2024-06-02\", description: \"Tour 1"), "{text}");
    assert!(text.contains("gps_track: [Coord { x: "), "{text}");
}

fn err<T: Mapped>(bytes: &[u8]) -> String {
    match mmf::from_bytes::<T>(bytes) {
        Ok(_) => panic!("accepted invalid bytes"),
        Err(e) => e.to_string(),
    }
}

fn with_u64(mut bytes: AlignedBytes, at: usize, value: u64) -> AlignedBytes {
    bytes[at..at + 8].copy_from_slice(&value.to_ne_bytes());
    bytes
}

/// The offset of `hikes[i].gps_track`'s stored form in an image of a database.
fn track_field(bytes: &[u8], i: usize) -> usize {
    let root = mmf::from_bytes::<HikingDatabase>(bytes).unwrap();
    let hike = root.hikes().get(i).unwrap().raw().unwrap();
    (&hike.gps_track as *const _ as usize) - bytes.as_ptr() as usize
}

#[test]
fn header_errors_say_what_is_wrong() {
    let good = mmf::to_bytes(&database(4, 40));
    assert_eq!(
        err::<HikingDatabase>(&AlignedBytes::zeroed(0)),
        "the data is empty (0 bytes); an mmf file starts with a 64-byte header"
    );
    assert_eq!(
        err::<HikingDatabase>(&AlignedBytes::from_slice(&good[..40])),
        "truncated header: the data has 40 bytes, an mmf header needs 64"
    );
    let mut bad = AlignedBytes::from_slice(&good);
    bad[..8].copy_from_slice(b"PK\x03\x04zip!");
    assert_eq!(
        err::<HikingDatabase>(&bad),
        "wrong magic [50, 4b, 03, 04, 7a, 69, 70, 21] at offset 0: not an mmf file"
    );
    let mut bad = AlignedBytes::from_slice(&good);
    bad[8..12].copy_from_slice(&7u32.to_ne_bytes());
    assert_eq!(
        err::<HikingDatabase>(&bad),
        "format version 7 is not supported (this build reads version 1)"
    );
    let mut bad = AlignedBytes::from_slice(&good);
    bad[8..12].copy_from_slice(&1u32.swap_bytes().to_ne_bytes());
    assert_eq!(
        err::<HikingDatabase>(&bad),
        "byte order: the file was written by a big-endian producer, this machine is little-endian"
    );
    let mut bad = AlignedBytes::from_slice(&good);
    bad[12..16].copy_from_slice(&5u32.to_ne_bytes());
    assert_eq!(err::<HikingDatabase>(&bad), "unknown header flags 0x5 at offset 12");
    let bad = with_u64(AlignedBytes::from_slice(&good), 32, good.len() as u64 + 1);
    assert!(err::<HikingDatabase>(&bad).starts_with("header field `data_len` at offset 32:"));
    let bad = with_u64(AlignedBytes::from_slice(&good), 24, 3);
    assert!(err::<HikingDatabase>(&bad).starts_with("header field `root_offset` at offset 24:"));
}

#[test]
fn another_type_is_refused_naming_both() {
    let bytes = mmf::to_bytes(&database(1, 1));
    let message = err::<Hike>(&bytes);
    let start = format!(
        "file holds schema {:#018x} (HikingDatabase), expected {:#018x} (Hike): ",
        HikingDatabase::SCHEMA_HASH,
        Hike::SCHEMA_HASH
    );
    assert!(message.starts_with(&start), "{message}");
    assert!(
        message.contains("the root: the file's root type is `HikingDatabase`, this program's `Hike` (if `Hike` is `HikingDatabase` renamed, say so with `#[mmf(renamed_from = \"HikingDatabase\")]`); "),
        "{message}"
    );
    assert!(
        message.contains("; hikes: Vec<Hike>, in the file only: this program has no such field")
    );
    let bytes = mmf::to_bytes(&vec![1u8]);
    assert!(err::<Hike>(&bytes).contains("(a built-in root type), expected"));
}

#[test]
fn block_errors_name_the_field_path_and_offset() {
    let good = mmf::to_bytes(&database(4, 40));
    let len = good.len();
    let at = track_field(&good, 3);
    let offset = u64::from_ne_bytes(good[at..at + 8].try_into().unwrap());

    let bad = with_u64(AlignedBytes::from_slice(&good), at + 8, 1_000_000);
    assert_eq!(
        err::<HikingDatabase>(&bad),
        format!(
            "hikes[3].gps_track: block at offset {offset} with 1000000 elements of 24 bytes ends past the end of the file ({len} bytes)"
        )
    );
    let bad = with_u64(AlignedBytes::from_slice(&good), at + 8, u64::MAX / 2);
    assert!(err::<HikingDatabase>(&bad).ends_with("the size overflows 64 bits"));
    let bad = with_u64(AlignedBytes::from_slice(&good), at, u64::MAX - 3);
    assert!(err::<HikingDatabase>(&bad).ends_with("the size overflows 64 bits"));
    let bad = with_u64(AlignedBytes::from_slice(&good), at, offset + 4);
    assert_eq!(
        err::<HikingDatabase>(&bad),
        format!("hikes[3].gps_track: block at offset {} is not aligned to 8 bytes", offset + 4)
    );
    let bad = with_u64(AlignedBytes::from_slice(&good), at, 8);
    assert_eq!(
        err::<HikingDatabase>(&bad),
        "hikes[3].gps_track: block at offset 8 overlaps the 64-byte header"
    );
    // Point hike 3's track at hike 2's track: two blocks share bytes.
    let other = u64::from_ne_bytes(good[track_field(&good, 2)..][..8].try_into().unwrap());
    let bad = with_u64(AlignedBytes::from_slice(&good), at, other);
    let other_end = other + 40 * 24;
    let own_end = other + 40 * 24;
    assert_eq!(
        err::<HikingDatabase>(&bad),
        format!(
            "hikes[3].gps_track: block at bytes {other}..{own_end} overlaps bytes {other}..{other_end} of another block; a valid file never points two fields at the same bytes"
        )
    );
}

#[test]
fn value_errors_name_the_field_path_and_offset() {
    let good = mmf::to_bytes(&database(2, 2));
    let view = mmf::from_bytes::<HikingDatabase>(&good).unwrap();
    let date = view.hikes().get(0).unwrap().date();
    let date_at = date.as_ptr() as usize - good.as_ptr() as usize;
    let mut bad = AlignedBytes::from_slice(&good);
    bad[date_at + 5] = 0xff;
    assert_eq!(
        err::<HikingDatabase>(&bad),
        format!("hikes[0].date: invalid UTF-8 at byte 5 (string at offset {date_at})")
    );

    let good = mmf::to_bytes(&everything());
    let view = mmf::from_bytes::<Everything>(&good).unwrap();
    let base = good.as_ptr() as usize;
    let flag_at = &view.raw().unwrap().flag as *const u8 as usize - base;
    let letter_at = &view.raw().unwrap().letter as *const u32 as usize - base;
    let tag_at = &view.raw().unwrap().some.tag as *const u8 as usize - base;
    let kind_at = &view.raw().unwrap().difficulty as *const u8 as usize - base;
    let weather_at = view.weather().try_as_slice().unwrap().as_ptr() as usize - base;

    let mut bad = AlignedBytes::from_slice(&good);
    bad[flag_at] = 2;
    assert_eq!(
        err::<Everything>(&bad),
        format!("flag: invalid bool 2 at offset {flag_at} (must be 0 or 1)")
    );
    let mut bad = AlignedBytes::from_slice(&good);
    bad[letter_at..letter_at + 4].copy_from_slice(&0xd800u32.to_ne_bytes());
    assert_eq!(
        err::<Everything>(&bad),
        format!("letter: invalid char 0xd800 at offset {letter_at} (not a Unicode scalar value)")
    );
    let mut bad = AlignedBytes::from_slice(&good);
    bad[tag_at] = 9;
    assert_eq!(
        err::<Everything>(&bad),
        format!("some: invalid Option tag 9 at offset {tag_at} (must be 0 or 1)")
    );
    let mut bad = AlignedBytes::from_slice(&good);
    bad[kind_at] = 3;
    assert_eq!(
        err::<Everything>(&bad),
        format!("difficulty: unknown discriminant 3 for enum `Difficulty` at offset {kind_at}")
    );
    let mut bad = AlignedBytes::from_slice(&good);
    bad[weather_at + 4..weather_at + 8].copy_from_slice(&5u32.to_ne_bytes());
    assert_eq!(
        err::<Everything>(&bad),
        format!(
            "weather[1]: unknown discriminant 5 for enum `Weather` at offset {}",
            weather_at + 4
        )
    );
}

#[test]
fn misaligned_buffers_are_an_error() {
    let good = mmf::to_bytes(&database(1, 1));
    let mut shifted = AlignedBytes::zeroed(good.len() + 1);
    shifted[1..].copy_from_slice(&good);
    let message = err::<HikingDatabase>(&shifted[1..]);
    assert!(
        message.contains("is not aligned to 8 bytes; copy it into `AlignedBytes`"),
        "{message}"
    );
}

#[test]
fn a_changed_image_gives_wrong_values_never_out_of_bounds_reads() {
    let good = mmf::to_bytes(&database(2, 3));
    let at = track_field(&good, 1);
    let mut bytes = AlignedBytes::from_slice(&good);
    // Skip validation, as `from_bytes_unchecked` allows for trusted input, then
    // break a length: views must stay inside the buffer.
    bytes[at + 8..at + 16].copy_from_slice(&u64::MAX.to_ne_bytes());
    // SAFETY: deliberately broken; views still check every block's bounds.
    let view = unsafe { mmf::from_bytes_unchecked::<HikingDatabase>(&bytes) }.unwrap();
    assert!(view.hikes().get(1).unwrap().gps_track().is_empty());
    assert_eq!(view.hikes().get(0).unwrap().gps_track().len(), 3);
}

#[test]
fn randomized_corruption_gives_ok_or_err_never_a_panic() {
    let good = mmf::to_bytes(&everything());
    let cases = if cfg!(miri) { 30 } else { 5000 };
    let mut rng = Rng(0x5eed);
    let mut accepted = 0;
    // Edits land in the data, not the embedded schema: an edited schema is
    // refused as a whole (tested elsewhere), which would say nothing here.
    let data = mmf::Header::read(&good).unwrap().schema_offset as usize;
    for case in 0..cases {
        let mut bytes = AlignedBytes::from_slice(&good);
        match case % 4 {
            0 => {
                let bit = rng.below(data * 8);
                bytes[bit / 8] ^= 1 << (bit % 8);
            }
            1 => {
                for _ in 0..1 + rng.below(8) {
                    let i = rng.below(data);
                    bytes[i] = rng.next() as u8;
                }
            }
            2 => {
                // A plausible offset or length written over a random aligned word.
                let i = rng.below(data / 8) * 8;
                let value =
                    [0, 1, 64, good.len() as u64, u64::MAX, rng.next() % 4096][rng.below(6)];
                bytes[i..i + 8].copy_from_slice(&value.to_ne_bytes());
            }
            _ => {
                let cut = rng.below(bytes.len());
                bytes = AlignedBytes::from_slice(&bytes[..cut]);
            }
        }
        if let Ok(view) = mmf::from_bytes::<Everything>(&bytes) {
            accepted += 1;
            // An accepted image must traverse and rebuild without trouble.
            let owned = view.to_owned();
            // Compare bytes, not values: a flipped bit can make a NaN.
            let again = mmf::to_bytes(&owned);
            let twice = mmf::to_bytes(&mmf::from_bytes::<Everything>(&again).unwrap().to_owned());
            assert_eq!(&again[..], &twice[..]);
            let _ = format!("{view:?}");
        }
    }
    // Flips in numbers and padding are accepted; the rest must have been refused.
    assert!(accepted > 0 && accepted < cases, "accepted {accepted} of {cases}");
}

#[test]
fn plain_lists_and_arrays_index_like_slices() {
    let mut db = database(2, 10);
    db.hikes[1].gps_track[4].z = 12.5;
    let mut bytes = mmf::to_bytes(&db);
    {
        let root = mmf::from_bytes::<HikingDatabase>(&bytes).unwrap();
        let track = root.hikes().get(1).unwrap().gps_track().try_as_slice().unwrap();
        assert_eq!(track[4].z, 12.5);
        assert_eq!(track[2..5].len(), 3);
    }
    {
        let mut root = mmf::from_bytes_mut::<HikingDatabase>(&mut bytes).unwrap();
        let mut hikes = root.hikes_mut();
        let mut hike = hikes.get_mut(1).unwrap();
        let mut track = hike.gps_track_mut();
        track[4].z = 99.0;
        assert_eq!(track[4].z, 99.0);
    }
    let owned = mmf::from_bytes_owned::<HikingDatabase>(&bytes).unwrap();
    assert_eq!(owned.hikes[1].gps_track[4].z, 99.0);

    let id = mmf::to_bytes(&[0xabu8, 0xcd, 1, 2]);
    let id = mmf::from_bytes::<[u8; 4]>(&id).unwrap();
    assert_eq!(&id[..2], &[0xab, 0xcd]);
}

/// The hiking types of a later version of a program: `Coord` gained a field.
mod later {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Coord {
        pub x: f64,
        pub y: f64,
        pub z: f64,
        pub t: u64,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Hike {
        pub date: String,
        pub description: String,
        pub gps_track: Vec<Coord>,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct HikingDatabase {
        pub description: String,
        pub hikes: Vec<Hike>,
    }
}

#[test]
fn an_image_of_another_version_is_read_through_image_not_from_bytes() {
    let bytes = mmf::to_bytes(&database(1, 2));
    let message = err::<later::HikingDatabase>(&bytes);
    assert!(
        message.starts_with(
            "the file stores `HikingDatabase` as another version of the program does: hikes[_].gps_track[_].t: u64, new in this program: the file lacks it; `from_bytes` views only"
        ),
        "{message}"
    );
    let image = mmf::Image::<later::HikingDatabase>::new(&bytes).unwrap();
    assert!(image.is_other_version());
    let point = image.root().hikes().get(0).unwrap().gps_track().get(1).unwrap();
    assert_eq!((point.x(), point.t()), (database(1, 2).hikes[0].gps_track[1].x, 0));
    // And the other way: a file of the later program in this one.
    let later = later::HikingDatabase { description: "Alps".into(), hikes: Vec::new() };
    let bytes = mmf::to_bytes(&later);
    let message = err::<HikingDatabase>(&bytes);
    assert!(
        message.contains(
            "hikes[_].gps_track[_].t: u64, in the file only: this program has no such field"
        ),
        "{message}"
    );
    assert_eq!(mmf::from_bytes_owned::<HikingDatabase>(&bytes).unwrap().description, "Alps");
}
