//! Files on disk: create, open, update in place, reopen; locks; a second
//! process; and the errors only files have.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use mmf::{Error, MappedFile, MappedFileMut};

#[test]
fn create_open_update_reopen() -> mmf::Result<()> {
    let tmp = temp_dir("update");
    let dir = tmp.path();
    let path = dir.join("hikes.mmf");
    let db = database(6, 50);

    let file = MappedFileMut::create(&path, &db)?;
    assert_eq!(std::fs::metadata(&path).unwrap().len(), mmf::to_bytes(&db).len() as u64);
    drop(file);

    let file = MappedFile::<HikingDatabase>::open(&path)?;
    let hike = file.root().hikes().get(3).unwrap();
    let date: &str = hike.date();
    assert_eq!(date, db.hikes[3].date);
    let track: &[CoordRaw] = hike.gps_track().try_as_slice().unwrap();
    assert_eq!(track.len(), 50);
    assert_eq!(file.header().generation, 0);
    drop(file);

    let mut w = MappedFileMut::<HikingDatabase>::open(&path)?;
    w.root_mut().hikes_mut().get_mut(3).unwrap().gps_track_mut().as_mut_slice()[7].z = 4807.5;
    w.flush()?;
    drop(w);

    let mut db_with_the_change = db.clone();
    db_with_the_change.hikes[3].gps_track[7].z = 4807.5;
    assert_eq!(MappedFile::<HikingDatabase>::open(&path)?.to_owned(), db_with_the_change);
    // SAFETY: written by this test through mmf.
    let trusted = unsafe { MappedFile::<HikingDatabase>::open_unchecked(&path)? };
    assert_eq!(trusted.to_owned(), db_with_the_change);
    Ok(())
}

#[test]
fn file_bytes_equal_to_bytes_even_over_an_older_larger_file() -> mmf::Result<()> {
    let tmp = temp_dir("bytes");
    let dir = tmp.path();
    let path = dir.join("all.mmf");
    std::fs::write(&path, vec![0xa5; 1 << 20]).unwrap();
    let value = everything();
    drop(MappedFileMut::create(&path, &value)?);
    assert_eq!(std::fs::read(&path).unwrap(), &mmf::to_bytes(&value)[..]);
    assert_eq!(MappedFile::<Everything>::open(&path)?.to_owned(), value);
    Ok(())
}

#[test]
fn one_writer_at_a_time_and_no_reader_beside_it() -> mmf::Result<()> {
    let tmp = temp_dir("locks");
    let dir = tmp.path();
    let path = dir.join("locked.mmf");
    let writer = MappedFileMut::create(&path, &database(1, 1))?;

    let second = MappedFileMut::<HikingDatabase>::open(&path).unwrap_err();
    assert!(matches!(second, Error::Locked { .. }));
    assert_eq!(
        second.to_string(),
        format!("`{}` is locked: another process is reading or writing it", path.display())
    );
    let reader = MappedFile::<HikingDatabase>::open(&path).unwrap_err();
    assert_eq!(
        reader.to_string(),
        format!("`{}` is locked: another process is writing it", path.display())
    );
    assert!(matches!(MappedFileMut::create(&path, &database(2, 2)), Err(Error::Locked { .. })));
    drop(writer);

    let reader = MappedFile::<HikingDatabase>::open(&path)?;
    let also_reader = MappedFile::<HikingDatabase>::open(&path)?;
    assert!(matches!(MappedFileMut::<HikingDatabase>::open(&path), Err(Error::Locked { .. })));
    drop((reader, also_reader));
    MappedFileMut::<HikingDatabase>::open(&path)?;
    Ok(())
}

#[test]
fn blocking_open_waits_for_the_writer() -> mmf::Result<()> {
    let tmp = temp_dir("blocking");
    let dir = tmp.path();
    let path = dir.join("wait.mmf");
    let writer = MappedFileMut::create(&path, &database(1, 1))?;
    let (tx, rx) = mpsc::channel();
    let waiter = {
        let path = path.clone();
        std::thread::spawn(move || {
            tx.send(()).unwrap();
            let start = Instant::now();
            let file = MappedFile::<HikingDatabase>::open_blocking(&path).map(|f| f.to_owned());
            (file, start.elapsed())
        })
    };
    rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(writer);
    let (file, waited) = waiter.join().unwrap();
    assert_eq!(file?, database(1, 1));
    assert!(
        waited >= Duration::from_millis(100),
        "returned after {waited:?}, before the writer left"
    );
    Ok(())
}

#[test]
fn file_errors_name_the_file() {
    let tmp = temp_dir("errors");
    let dir = tmp.path();
    let missing = dir.join("missing.mmf");
    let e = MappedFile::<Hike>::open(&missing).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().starts_with(&format!("cannot open `{}`: ", missing.display())), "{e}");

    let empty = dir.join("empty.mmf");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(
        MappedFile::<Hike>::open(&empty).unwrap_err().to_string(),
        "the data is empty (0 bytes); an mmf file starts with a 64-byte header"
    );
    assert!(matches!(MappedFileMut::<Hike>::open(&empty), Err(Error::Empty)));

    let short = dir.join("short.mmf");
    std::fs::write(&short, &mmf::to_bytes(&hike(1, 1))[..63]).unwrap();
    assert_eq!(
        MappedFile::<Hike>::open(&short).unwrap_err().to_string(),
        "truncated header: the data has 63 bytes, an mmf header needs 64"
    );

    let text = dir.join("text.mmf");
    std::fs::write(&text, "this is a text file, long enough to hold a header of sixty-four bytes")
        .unwrap();
    assert!(MappedFile::<Hike>::open(&text).unwrap_err().to_string().starts_with("wrong magic"));

    let other = dir.join("other.mmf");
    drop(MappedFileMut::create(&other, &database(1, 1)).unwrap());
    let message = MappedFile::<Hike>::open(&other).unwrap_err().to_string();
    let start = format!(
        "file holds schema {:#018x} (HikingDatabase), expected {:#018x} (Hike): the root: ",
        <HikingDatabase as mmf::Mapped>::SCHEMA_HASH,
        <Hike as mmf::Mapped>::SCHEMA_HASH
    );
    assert!(message.starts_with(&start), "{message}");

    // A file cut short after it was written: the header promises more bytes.
    let cut = dir.join("cut.mmf");
    let bytes = mmf::to_bytes(&database(3, 10));
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    let e = MappedFile::<HikingDatabase>::open(&cut).unwrap_err().to_string();
    assert!(e.starts_with("header field `data_len` at offset 32"), "{e}");
}

#[test]
fn a_file_longer_than_its_data_opens() -> mmf::Result<()> {
    let tmp = temp_dir("longer");
    let dir = tmp.path();
    let path = dir.join("padded.mmf");
    let mut bytes = mmf::to_bytes(&database(2, 3)).to_vec();
    bytes.extend_from_slice(&[0xee; 4096]);
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(MappedFile::<HikingDatabase>::open(&path)?.to_owned(), database(2, 3));
    assert_eq!(MappedFileMut::<HikingDatabase>::open(&path)?.to_owned(), database(2, 3));
    Ok(())
}

#[test]
fn randomized_corruption_of_a_file_gives_ok_or_err() {
    let tmp = temp_dir("corrupt");
    let dir = tmp.path();
    let path = dir.join("corrupt.mmf");
    let good = mmf::to_bytes(&database(3, 4));
    let mut rng = Rng(0xf11e);
    for _ in 0..300 {
        let mut bytes = good.to_vec();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(bytes.len());
            bytes[i] ^= 1 << rng.below(8);
        }
        if rng.below(4) == 0 {
            bytes.truncate(rng.below(bytes.len()));
        }
        std::fs::write(&path, &bytes).unwrap();
        let read = MappedFile::<HikingDatabase>::open(&path).map(|f| f.to_owned());
        let write = MappedFileMut::<HikingDatabase>::open(&path).map(|f| f.to_owned());
        assert_eq!(read.is_ok(), write.is_ok());
    }
}

#[test]
fn map_options_and_flushing_one_range() -> mmf::Result<()> {
    let tmp = temp_dir("options");
    let dir = tmp.path();
    let path = dir.join("options.mmf");
    let db = database(3, 100);
    let mut file = mmf::MapOptions::new().populate(true).create(&path, &db)?;
    file.root_mut().hikes_mut().get_mut(2).unwrap().gps_track_mut().as_mut_slice()[50].z = -1.0;
    let raw = &file.root().hikes().get(2).unwrap().gps_track().try_as_slice().unwrap()[50];
    let range = file.range_of(raw).expect("inside the file");
    assert_eq!(range.end - range.start, 24);
    file.flush_range(range.clone())?;
    let e = file.flush_range(0..file.header().data_len + 1).unwrap_err();
    assert!(e.to_string().contains("is not inside the"), "{e}");
    assert_eq!(file.range_of(&db.hikes[0]), None);
    drop(file);

    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[range.start as usize + 16..range.end as usize], &(-1.0f64).to_ne_bytes());
    let read: MappedFile<HikingDatabase> =
        mmf::MapOptions::new().wait(true).populate(true).open(&path)?;
    assert_eq!(read.root().hikes().get(2).unwrap().gps_track().get(50).unwrap().z(), -1.0);
    drop(read);
    let mut write: MappedFileMut<HikingDatabase> = mmf::MapOptions::new().open_mut(&path)?;
    write
        .root_mut()
        .hikes_mut()
        .iter_mut()
        .for_each(|mut h| h.gps_track_mut().as_mut_slice()[0].x = 0.0);
    assert!(write.to_owned().hikes.iter().all(|h| h.gps_track[0].x == 0.0));
    Ok(())
}
