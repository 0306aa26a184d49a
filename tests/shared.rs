//! One shared writer, readers that follow its versions: publishing, reuse of
//! unchanged blocks, growth, compaction, locks, recovery and hostile versions.

mod common;

use std::time::Duration;

use common::*;
type TestResult = Result<(), Box<dyn std::error::Error>>;

use mmf::{Error, MapOptions, MappedFile, MappedFileMut, SharedReader, SharedWriter};

#[test]
fn readers_see_each_published_version_whole() -> TestResult {
    let tmp = temp_dir("shared-versions");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let db = database(5, 40);
    let mut writer = SharedWriter::create(&path, &db)?;
    let mut reader = SharedReader::<HikingDatabase>::open(&path)?;
    assert_eq!(reader.generation(), 0);
    assert_eq!(reader.read(|root| root.to_owned())?, db);

    let mut expected = db.clone();
    for round in 1..=20u64 {
        let i = round as usize % 5;
        expected.hikes[i].date = format!("2025-01-{round:02}");
        expected.hikes[i].gps_track.push(coord(round as usize));
        if round % 7 == 0 {
            expected.hikes.push(hike(round as usize, 3));
        }
        assert_eq!(writer.publish(&expected)?, 2 * round);
        assert_eq!(reader.read(|root| root.to_owned())?, expected);
        assert_eq!(reader.generation(), 2 * round);
    }
    // A later process opens the latest version.
    drop((writer, reader));
    assert_eq!(MappedFile::<HikingDatabase>::open(&path)?.to_owned(), expected);
    Ok(())
}

#[test]
fn a_publish_writes_only_what_changed() -> TestResult {
    let tmp = temp_dir("shared-reuse");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let db = database(50, 1000);
    let mut writer = SharedWriter::create(&path, &db)?;
    let full = writer.header().data_len;

    // Unchanged: nothing is written, the generation stays.
    assert_eq!(writer.publish(&db)?, 0);
    assert_eq!(writer.header().data_len, full);

    // One date: the new text, the hikes list, the root.
    let before = writer.header().data_len;
    writer.update(|db| db.hikes[17].date = "2030-12-24".into())?;
    let grown = writer.header().data_len - before;
    let hikes_block = 50 * size_of::<HikeRaw>() as u64;
    assert!(grown <= hikes_block + 64 + 16 + 16, "grew {grown} bytes");
    assert_eq!(writer.root().hikes().get(17).unwrap().date(), "2030-12-24");

    // One coordinate: that track, the hikes list, the root; other tracks are shared.
    let before = writer.header().data_len;
    let track_4 = writer.root().hikes().get(4).unwrap().raw().unwrap().gps_track.offset;
    writer.update(|db| db.hikes[3].gps_track[999].z = -1.0)?;
    let grown = writer.header().data_len - before;
    assert!(grown < 1000 * 24 + hikes_block + 128, "grew {grown} bytes");
    let root = writer.root();
    assert_eq!(root.hikes().get(3).unwrap().gps_track().get(999).unwrap().z(), -1.0);
    assert_eq!(
        root.hikes().get(4).unwrap().raw().unwrap().gps_track.offset,
        track_4,
        "an unchanged track is shared"
    );
    Ok(())
}

#[test]
fn the_locks_keep_one_writer_and_no_in_place_writer_beside_readers() -> TestResult {
    let tmp = temp_dir("shared-locks");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let writer = SharedWriter::create(&path, &database(2, 3))?;

    let second = SharedWriter::<HikingDatabase>::open(&path).unwrap_err();
    assert!(matches!(second, Error::Locked { .. }), "{second}");
    assert!(second.to_string().ends_with("is locked: another shared writer holds it"), "{second}");
    let waited = MapOptions::new()
        .timeout(Duration::from_millis(30))
        .open_shared_writer::<HikingDatabase>(&path)
        .unwrap_err();
    assert!(matches!(waited, Error::LockTimeout { .. }), "{waited}");
    assert!(waited.to_string().contains("still locked after waiting"), "{waited}");

    // In-place writers are kept out while anyone shares the file …
    let in_place = MappedFileMut::<HikingDatabase>::open(&path).unwrap_err();
    assert!(matches!(in_place, Error::Locked { .. }), "{in_place}");
    let replace = MappedFileMut::create(&path, &database(1, 1)).unwrap_err();
    assert!(matches!(replace, Error::Locked { .. }), "{replace}");
    // … while plain readers may read the version published when they opened.
    let plain = MappedFile::<HikingDatabase>::open(&path)?;
    let reader = SharedReader::<HikingDatabase>::open(&path)?;
    drop(writer);
    let replace = SharedWriter::create(&path, &database(1, 1)).unwrap_err();
    assert!(matches!(replace, Error::Locked { .. }), "a mapped file is never replaced: {replace}");
    drop((plain, reader));

    // With nobody left, the in-place writer may open it, and then readers wait.
    let in_place = MappedFileMut::<HikingDatabase>::open(&path)?;
    let reader = SharedReader::<HikingDatabase>::open(&path).unwrap_err();
    assert!(reader.to_string().ends_with("is locked: another process is writing it"), "{reader}");
    drop(in_place);
    assert!(dir.join("db.mmf.lock").exists());
    Ok(())
}

#[test]
fn the_file_grows_and_readers_remap() -> TestResult {
    let tmp = temp_dir("shared-growth");
    let dir = tmp.path();
    let path = dir.join("list.mmf");
    let mut writer = SharedWriter::create(&path, &Vec::<u64>::new())?;
    writer.sync_on_publish(false);
    let mut reader = SharedReader::<Vec<u64>>::open(&path)?;
    let mut value = Vec::new();
    for round in 0..40u64 {
        value.extend((0..1000).map(|i| i * round));
        writer.publish(&value)?;
        let (len, last) = reader.read(|list| (list.len(), list.get(list.len() - 1)))?;
        assert_eq!((len, last), (value.len(), value.last().copied()));
    }
    assert!(writer.file_len() >= writer.header().data_len);
    assert!(writer.file_len() < 2 * writer.header().data_len + 4096);
    Ok(())
}

#[test]
fn compaction_replaces_the_file_and_readers_follow() -> TestResult {
    let tmp = temp_dir("shared-compact");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let mut db = database(10, 100);
    let mut writer = SharedWriter::create(&path, &db)?;
    writer.sync_on_publish(false);
    let mut reader = SharedReader::<HikingDatabase>::open(&path)?;
    for i in 0..50 {
        db.hikes[i % 10].gps_track[i].z = i as f64;
        writer.publish(&db)?;
    }
    let old = MappedFile::<HikingDatabase>::open(&path)?;
    let old_root = old.root();
    let before = std::fs::metadata(&path)?.len();
    let generation = writer.generation();

    writer.compact()?;
    assert_eq!(writer.generation(), generation + 2);
    assert_eq!(std::fs::metadata(&path)?.len(), mmf::to_bytes(&db).len() as u64);
    assert!(std::fs::metadata(&path)?.len() < before / 3);
    assert!(!dir.join("db.mmf.compact").exists());

    assert_eq!(reader.read(|root| root.to_owned())?, db);
    assert_eq!(reader.generation(), generation + 2);
    db.description = "after compaction".into();
    writer.publish(&db)?;
    assert_eq!(reader.read(|root| root.description().to_owned())?, "after compaction");
    // A view of the file before compaction still reads its version.
    assert_eq!(old_root.hikes().get(9).unwrap().gps_track().get(49).unwrap().z(), 49.0);
    assert!(old.header().flags & mmf::FLAG_SUPERSEDED == 0, "the header copy is from open");
    Ok(())
}

#[test]
fn a_writer_killed_mid_switch_leaves_a_file_that_opens() -> TestResult {
    let tmp = temp_dir("shared-recover");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let old = database(3, 5);
    let mut new = old.clone();
    new.description = "new".into();
    let mut writer = SharedWriter::create(&path, &old)?;
    writer.sync_on_publish(false);
    writer.publish(&new)?;
    let new_header = *writer.header();
    drop(writer);
    let published = std::fs::read(&path)?;
    let old_bytes = mmf::to_bytes(&old);
    let old_header = mmf::Header::read(&old_bytes)?;

    // Every state a switch passes through: odd generation, new length with the
    // old root, then the new root.
    let states = [
        (old_header.root_offset, old_header.data_len, 1, "Wanderungen"),
        (old_header.root_offset, new_header.data_len, 1, "Wanderungen"),
        (new_header.root_offset, new_header.data_len, 1, "new"),
    ];
    for (root, len, generation, description) in states {
        let mut bytes = published.clone();
        bytes[24..32].copy_from_slice(&root.to_ne_bytes());
        bytes[32..40].copy_from_slice(&len.to_ne_bytes());
        bytes[56..64].copy_from_slice(&u64::to_ne_bytes(generation));
        std::fs::write(&path, &bytes)?;
        let file = MappedFile::<HikingDatabase>::open(&path)?;
        assert_eq!(file.root().description(), description);
        drop(file);
        let mut reader = SharedReader::<HikingDatabase>::open(&path)?;
        assert_eq!(reader.generation(), 1, "odd: read while a switch was unfinished");
        let mut writer = SharedWriter::<HikingDatabase>::open(&path)?;
        assert_eq!(writer.generation(), 2, "the next writer makes it even");
        assert_eq!(writer.root().description(), description);
        writer.update(|db| db.description = "later".into())?;
        assert_eq!(reader.read(|root| root.description().to_owned())?, "later");
        assert_eq!(reader.generation(), 4);
    }
    Ok(())
}

#[test]
fn a_hostile_version_is_refused_and_the_reader_keeps_the_last_good_one() -> TestResult {
    let tmp = temp_dir("shared-hostile");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let db = database(2, 4);
    let mut writer = SharedWriter::create(&path, &db)?;
    let mut reader = SharedReader::<HikingDatabase>::open(&path)?;
    let good = *writer.header();
    writer.update(|db| db.hikes[1].date = "x".repeat(100))?;
    let bad = *writer.header();
    drop(writer);

    // Another program (not mmf) points the new root's date past the end,
    // through a mapping of its own (Windows lets no other handle write a
    // range that a reader's lock covers, but mappings ignore locks).
    let file = std::fs::OpenOptions::new().read(true).write(true).open(&path)?;
    // SAFETY: the test's reader views only the good version while this runs.
    let mut bytes = unsafe { memmap2::MmapMut::map_mut(&file)? };
    let hikes = u64::from_ne_bytes(bytes[bad.root_offset as usize + 16..][..8].try_into().unwrap());
    let date_len = hikes as usize + size_of::<HikeRaw>() + 8;
    bytes[date_len..date_len + 8].copy_from_slice(&u64::MAX.to_ne_bytes());
    drop(bytes);

    let err = reader.refresh().unwrap_err();
    assert!(err.to_string().contains("hikes[1].date"), "{err}");
    assert_eq!(reader.header().root_offset, good.root_offset);
    assert_eq!(reader.view().to_owned(), db);
    Ok(())
}

#[test]
fn a_writer_killed_mid_compaction_leaves_a_flag_that_readers_ignore_and_writers_clear() -> TestResult
{
    let tmp = temp_dir("shared-stale-flag");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let db = database(2, 3);
    drop(SharedWriter::create(&path, &db)?);
    // The flag is set before the rename; a writer killed in between leaves it.
    let mut bytes = std::fs::read(&path)?;
    let flags = u32::from_ne_bytes(bytes[12..16].try_into()?) | mmf::FLAG_SUPERSEDED;
    bytes[12..16].copy_from_slice(&flags.to_ne_bytes());
    std::fs::write(&path, &bytes)?;

    let mut reader = SharedReader::<HikingDatabase>::open(&path)?;
    assert!(!reader.refresh()?, "the file at the path is this one: nothing to move to");
    assert_eq!(reader.read(|root| root.to_owned())?, db);
    let mut writer = SharedWriter::<HikingDatabase>::open(&path)?;
    assert_eq!(writer.header().flags & mmf::FLAG_SUPERSEDED, 0);
    writer.update(|db| db.description = "cleared".into())?;
    assert_eq!(reader.read(|root| root.description().to_owned())?, "cleared");
    Ok(())
}

#[test]
fn set_replaces_one_value_by_path_and_writes_only_the_way_to_it() -> TestResult {
    let tmp = temp_dir("shared-set");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let mut expected = database(50, 1000);
    let mut writer = SharedWriter::create(&path, &expected)?;
    writer.sync_on_publish(false);
    let mut reader = SharedReader::<HikingDatabase>::open(&path)?;

    let before = writer.header().data_len;
    writer.set("hikes[17].gps_track[999].z", &-2.5f64)?;
    expected.hikes[17].gps_track[999].z = -2.5;
    // The track (24 KB), the hikes list (50 × 48 bytes), a root.
    let grown = writer.header().data_len - before;
    assert!(grown <= 24_000 + 2400 + 40 + 16, "grew {grown} bytes");

    writer.set("hikes[3].date", &String::from("2031-01-01"))?;
    expected.hikes[3].date = "2031-01-01".into();
    writer.set("hikes[4].gps_track", &vec![coord(1), coord(2)])?;
    expected.hikes[4].gps_track = vec![coord(1), coord(2)];
    writer.set("hikes[5]", &hike(99, 3))?;
    expected.hikes[5] = hike(99, 3);
    writer.set("description", &String::from("edited by path"))?;
    expected.description = "edited by path".into();
    assert_eq!(reader.read(|root| root.to_owned())?, expected);
    assert_eq!(writer.generation(), 10);

    let err = writer.set("hikes[50].date", &String::new()).unwrap_err();
    assert_eq!(err.to_string(), "no `[50]` after `hikes` in the path `hikes[50].date`");
    let err = writer.set("hikes[0].date", &7u32).unwrap_err();
    assert_eq!(err.to_string(), "`hikes[0].date` holds a String, not a u32");
    let err = writer.set("hikes[0].gps_track[0]", &String::new()).unwrap_err();
    assert_eq!(err.to_string(), "`hikes[0].gps_track[0]` holds a Coord, not a String");
    drop((writer, reader));
    assert_eq!(MappedFile::<HikingDatabase>::open(&path)?.to_owned(), expected);
    Ok(())
}

#[test]
fn set_goes_through_options_arrays_and_nested_lists() -> TestResult {
    let tmp = temp_dir("shared-set-everything");
    let dir = tmp.path();
    let path = dir.join("everything.mmf");
    let mut expected = everything();
    let mut writer = SharedWriter::create(&path, &expected)?;
    writer.set("some_text?", &String::from("neu"))?;
    expected.some_text = Some("neu".into());
    writer.set("coords[1].z", &9.75f64)?;
    expected.coords[1].z = 9.75;
    writer.set("nested_lists[1][2]", &String::from("è"))?;
    expected.nested_lists[1][2] = "è".into();
    writer.set("difficulty", &Difficulty::Easy)?;
    expected.difficulty = Difficulty::Easy;
    writer.set("none", &Some(5u32))?;
    expected.none = Some(5);
    writer.set("pair.1", &0.5f64)?;
    expected.pair.1 = 0.5;
    assert!(writer.set("none?", &5u32).is_ok(), "now `Some`");
    let err = writer.set("some?", &1u64).unwrap_err();
    assert!(matches!(err, Error::PathType { .. }), "{err}");
    let back = MappedFile::<Everything>::open(&path)?.to_owned();
    assert_eq!(mmf::to_bytes(&back)[..], mmf::to_bytes(&expected)[..]);
    Ok(())
}

#[test]
fn a_publish_reuses_the_blocks_of_a_variant_held_before() -> TestResult {
    let tmp = temp_dir("shared-enum-reuse");
    let path = tmp.path().join("shapes.mmf");
    let path_shape =
        Shape::Path { name: "Höhenweg".into(), points: vec![coord(1); 5000], closed: false };
    let mut shapes = vec![path_shape, Shape::Label("Gipfel".into())];
    let mut writer = SharedWriter::create(&path, &shapes)?;
    let mut reader = SharedReader::<Vec<Shape>>::open(&path)?;
    let before = writer.header().data_len;

    // The same variant, one field changed: its 120 kB of points are shared.
    shapes[0] =
        Shape::Path { name: "Höhenweg".into(), points: vec![coord(1); 5000], closed: true };
    writer.publish(&shapes)?;
    let grown = writer.header().data_len - before;
    assert!(grown < 1024, "grew {grown} bytes");
    assert_eq!(reader.read(|root| root.to_vec())?, shapes);

    // Another variant: written anew; readers see each version whole.
    shapes[1] = Shape::Segment(coord(2), coord(3));
    writer.publish(&shapes)?;
    assert_eq!(reader.read(|root| root.to_vec())?, shapes);
    Ok(())
}

#[test]
fn a_publish_reuses_a_map_whose_keys_are_unchanged() -> TestResult {
    let tmp = temp_dir("shared-map-reuse");
    let path = tmp.path().join("visits.mmf");
    let mut visits: std::collections::HashMap<String, u64> =
        (0..20_000).map(|i| (format!("hiker-{i:05}"), i)).collect();
    let mut writer = SharedWriter::create(&path, &visits)?;
    let mut reader = SharedReader::<std::collections::HashMap<String, u64>>::open(&path)?;
    let full = writer.header().data_len;

    // Unchanged: nothing is written.
    assert_eq!(writer.publish(&visits)?, 0);
    assert_eq!(writer.header().data_len, full);

    // One value: a new values list (8 bytes per slot: 32,768 slots for
    // 20,000 entries) and a new root; the keys, their text and the tags are
    // shared.
    *visits.get_mut("hiker-00042").unwrap() += 1;
    writer.publish(&visits)?;
    let grown = writer.header().data_len - full;
    assert!(grown < 32_768 * 8 + 4096, "grew {grown} bytes of {full}");
    assert_eq!(reader.read(|map| map.get("hiker-00042"))?, Some(43));
    assert_eq!(reader.read(|map| map.len())?, 20_000);
    Ok(())
}
