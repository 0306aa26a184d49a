//! Hand-made hostile images: arithmetic at the edges of `u64`, blocks that
//! overlap the header, the root or each other, lengths far beyond the data,
//! broken header fields. Each is refused with the expected error, quickly and
//! without allocating for the claimed sizes.

mod common;

use common::*;
use mmf::{AlignedBytes, Error, Mapped, Problem};

/// The offset in `bytes` of a stored form that a view of `bytes` returned.
fn offset_in(bytes: &[u8], raw: *const u8) -> usize {
    raw as usize - bytes.as_ptr() as usize
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_ne_bytes());
}

fn problem<T: Mapped>(bytes: &[u8]) -> (String, Problem) {
    match mmf::from_bytes::<T>(bytes) {
        Err(Error::Invalid { path, problem }) => (path.to_string(), problem),
        Err(other) => panic!("expected an invalid field, got: {other}"),
        Ok(_) => panic!("accepted a hostile image"),
    }
}

fn error<T: Mapped>(bytes: &[u8]) -> Error {
    match mmf::from_bytes::<T>(bytes) {
        Err(e) => e,
        Ok(_) => panic!("accepted a hostile image"),
    }
}

/// An image of lists of byte strings, and the offset of `lists[i]`'s stored form.
fn lists_image() -> (AlignedBytes, impl Fn(&[u8], usize) -> usize) {
    let value: Vec<Vec<u8>> = vec![vec![1, 2, 3], vec![4, 5], vec![6; 40]];
    let at = |bytes: &[u8], i: usize| {
        let view = mmf::from_bytes::<Vec<Vec<u8>>>(bytes).unwrap();
        offset_in(bytes, (&view.as_slice()[i] as *const mmf::RawVec<u8>).cast())
    };
    (mmf::to_bytes(&value), at)
}

#[test]
fn offsets_near_the_end_of_u64_overflow_cleanly() {
    let (good, at) = lists_image();
    let field = at(&good, 1);
    let data_len = good.len() as u64;
    for offset in [u64::MAX, u64::MAX - 1, u64::MAX - 7, u64::MAX - 8] {
        let mut bytes = AlignedBytes::from_slice(&good);
        put_u64(&mut bytes, field, offset);
        let (path, problem) = problem::<Vec<Vec<u8>>>(&bytes);
        assert_eq!(path, "[1]");
        // Two bytes from `offset`: the end wraps past `u64::MAX` for the first two.
        let expected = match offset.checked_add(2) {
            None => Problem::Overflow { offset, len: 2, element_size: 1 },
            Some(_) => Problem::OutOfBounds { offset, len: 2, element_size: 1, data_len },
        };
        assert_eq!(problem, expected);
    }
}

#[test]
fn length_times_size_overflow_is_caught() {
    let good = mmf::to_bytes(&database(2, 3));
    let view = mmf::from_bytes::<HikingDatabase>(&good).unwrap();
    let track = offset_in(
        &good,
        (&view.hikes().get(1).unwrap().raw().unwrap().gps_track as *const mmf::RawVec<CoordRaw>)
            .cast(),
    );
    let offset = view.hikes().get(1).unwrap().raw().unwrap().gps_track.offset;
    // 24-byte elements: this length times 24 wraps around to a small number.
    let len = u64::MAX / 24 * 2 + 2;
    assert!(len.wrapping_mul(24) < good.len() as u64);
    let mut bytes = AlignedBytes::from_slice(&good);
    put_u64(&mut bytes, track + 8, len);
    let (path, problem) = problem::<HikingDatabase>(&bytes);
    assert_eq!(path, "hikes[1].gps_track");
    assert_eq!(problem, Problem::Overflow { offset, len, element_size: 24 });
}

#[test]
fn huge_lengths_on_a_tiny_file_fail_fast() {
    // A list of lists claiming 2^40 elements in a file of a hundred bytes: the
    // claim is checked against the file before any element is looked at.
    let mut bytes = mmf::to_bytes(&vec![Vec::<u64>::new()]);
    let header = mmf::Header::read(&bytes).unwrap();
    let root = header.root_offset as usize;
    put_u64(&mut bytes, root + 8, 1 << 40);
    let (path, problem) = problem::<Vec<Vec<u64>>>(&bytes);
    assert_eq!(path, "root");
    assert!(
        matches!(problem, Problem::OutOfBounds { len: 1099511627776, element_size: 16, .. }),
        "{problem:?}"
    );
    // The same on the owned path: nothing is allocated for the claimed length.
    assert!(mmf::from_bytes_owned::<Vec<Vec<u64>>>(&bytes).is_err());
}

#[test]
fn blocks_overlapping_the_header_are_refused() {
    let (good, at) = lists_image();
    for offset in [0, 8, 63] {
        let mut bytes = AlignedBytes::from_slice(&good);
        put_u64(&mut bytes, at(&good, 0), offset);
        assert_eq!(problem::<Vec<Vec<u8>>>(&bytes).1, Problem::OverlapsHeader { offset });
    }
    // A block ending in the header's last byte is refused too; one starting
    // right after it is not a header problem.
    let mut bytes = AlignedBytes::from_slice(&good);
    put_u64(&mut bytes, at(&good, 0), 64);
    assert!(matches!(problem::<Vec<Vec<u8>>>(&bytes).1, Problem::Overlap { offset: 64, .. }));
}

#[test]
fn a_list_whose_elements_point_back_into_itself_is_refused() {
    let (good, at) = lists_image();
    let header = mmf::Header::read(&good).unwrap();
    let root = header.root_offset as usize;
    let outer = u64::from_ne_bytes(good[root..root + 8].try_into().unwrap());
    let mut bytes = AlignedBytes::from_slice(&good);
    // lists[2] claims the 48 bytes of the outer list's own block.
    put_u64(&mut bytes, at(&good, 2), outer);
    put_u64(&mut bytes, at(&good, 2) + 8, 48);
    let (path, problem) = problem::<Vec<Vec<u8>>>(&bytes);
    assert_eq!(path, "[2]");
    assert_eq!(
        problem,
        Problem::Overlap { offset: outer, end: outer + 48, other: (outer, outer + 48) }
    );
}

#[test]
fn many_lists_sharing_one_block_are_refused() {
    // Without the overlap rule, a file of n list headers pointing at one block of
    // n bytes would cost n * n element checks; with it, it is refused at once.
    let n = 10_000;
    let value: Vec<Vec<bool>> = (0..n).map(|_| vec![true; 4]).collect();
    let good = mmf::to_bytes(&value);
    let view = mmf::from_bytes::<Vec<Vec<bool>>>(&good).unwrap();
    let first = view.as_slice()[0];
    let headers = offset_in(&good, view.as_slice().as_ptr().cast());
    let mut bytes = AlignedBytes::from_slice(&good);
    for i in 0..n {
        put_u64(&mut bytes, headers + i * 16, first.offset);
    }
    let (path, problem) = problem::<Vec<Vec<bool>>>(&bytes);
    assert_eq!(path, "[1]", "refused at the second list, before its elements are checked");
    assert!(matches!(problem, Problem::Overlap { .. }));
}

#[test]
fn a_string_inside_the_root_is_refused() {
    let good = mmf::to_bytes(&hike(0, 2));
    let header = mmf::Header::read(&good).unwrap();
    let mut bytes = AlignedBytes::from_slice(&good);
    // `date` claims the first 8 bytes of the root object itself.
    put_u64(&mut bytes, header.root_offset as usize, header.root_offset);
    put_u64(&mut bytes, header.root_offset as usize + 8, 8);
    // (The 8 bytes are the offset 64 itself, `@` and zeroes: valid UTF-8.)
    let root = header.root_offset;
    let (path, problem) = problem::<Hike>(&bytes);
    assert_eq!(path, "date");
    assert_eq!(problem, Problem::Overlap { offset: root, end: root + 8, other: (root, root + 48) });
}

#[test]
fn hostile_header_fields_are_refused() {
    let good = mmf::to_bytes(&database(2, 2));
    let cases: [(usize, u64, &str); 9] = [
        (24, 0, "header field `root_offset`"),
        (24, 65, "header field `root_offset`"),
        (24, u64::MAX - 7, "header field `root_offset`"),
        (24, good.len() as u64 - 8, "header field `root_offset`"),
        (32, 63, "header field `data_len`"),
        (32, u64::MAX, "header field `data_len`"),
        (40, u64::MAX - 3, "header field `schema_offset`"),
        (48, u64::MAX, "header field `schema_offset`"),
        (40, 0, "header field `schema_offset`"),
    ];
    for (at, value, expected) in cases {
        let mut bytes = AlignedBytes::from_slice(&good);
        put_u64(&mut bytes, at, value);
        let message = error::<HikingDatabase>(&bytes).to_string();
        assert!(message.starts_with(expected), "{at}={value}: {message}");
    }
}

#[test]
fn an_edited_embedded_schema_is_refused() {
    let good = mmf::to_bytes(&database(2, 2));
    let header = mmf::Header::read(&good).unwrap();
    let mut bytes = AlignedBytes::from_slice(&good);
    bytes[header.schema_offset as usize + 20] ^= 0x20;
    let message = error::<HikingDatabase>(&bytes).to_string();
    assert!(
        message.starts_with(&format!("embedded schema at offset {}", header.schema_offset)),
        "{message}"
    );
    // The schema may be absent: files from other writers need not carry one.
    let mut bytes = AlignedBytes::from_slice(&good);
    put_u64(&mut bytes, 40, 0);
    put_u64(&mut bytes, 48, 0);
    assert_eq!(mmf::from_bytes_owned::<HikingDatabase>(&bytes).unwrap(), database(2, 2));
}

#[test]
fn an_empty_list_may_point_anywhere() {
    // Nothing is read through an empty list, so its offset is not checked.
    let (good, at) = lists_image();
    let mut bytes = AlignedBytes::from_slice(&good);
    put_u64(&mut bytes, at(&good, 1), u64::MAX);
    put_u64(&mut bytes, at(&good, 1) + 8, 0);
    let view = mmf::from_bytes::<Vec<Vec<u8>>>(&bytes).unwrap();
    assert!(view.get(1).unwrap().is_empty());
}

/// Run by `truncating_a_mapped_file_faults_the_reader` in a child process.
#[test]
#[ignore = "the child half of truncating_a_mapped_file_faults_the_reader"]
#[cfg(unix)]
fn child_reads_after_truncation() {
    let path = std::env::var("MMF_TEST_TRUNCATE_FILE").expect("set by the parent test");
    let file = mmf::MappedFile::<HikingDatabase>::open(&path).unwrap();
    // A program that ignores mmf's lock cuts the file down while it is mapped.
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    println!("CHILD truncated");
    let sum: f64 =
        file.root().hikes().iter().flat_map(|h| h.gps_track().iter().map(|c| c.z())).sum();
    println!("CHILD survived {sum}");
}

/// Documents what the README says: a file truncated behind a live mapping
/// faults the reader with SIGBUS on the next access to the lost pages. Unix
/// only by nature: Windows refuses to truncate a mapped file (next test).
#[test]
#[cfg(unix)]
fn truncating_a_mapped_file_faults_the_reader() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = temp_dir("truncate");
    let dir = tmp.path();
    let path = dir.join("cut.mmf");
    drop(mmf::MappedFileMut::create(&path, &database(20, 500)).unwrap());
    let output = run_child_test("child_reads_after_truncation", "MMF_TEST_TRUNCATE_FILE", &path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("CHILD truncated"), "{stdout}");
    assert!(!stdout.contains("CHILD survived"), "{stdout}");
    assert_eq!(output.status.signal(), Some(libc_sigbus()), "{:?}", output.status);
}

/// Documents what the README says: on Windows, a program that ignores mmf's
/// lock still cannot cut a mapped file down.
#[test]
#[cfg(windows)]
fn windows_refuses_to_truncate_a_mapped_file() {
    let tmp = temp_dir("truncate");
    let path = tmp.path().join("cut.mmf");
    drop(mmf::MappedFileMut::create(&path, &database(20, 500)).unwrap());
    let file = mmf::MappedFile::<HikingDatabase>::open(&path).unwrap();
    let cut = std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0);
    // ERROR_USER_MAPPED_FILE
    assert_eq!(cut.unwrap_err().raw_os_error(), Some(1224));
    assert_eq!(file.root().hikes().len(), 20);
}

/// `SIGBUS` on Linux and the BSDs.
#[cfg(unix)]
fn libc_sigbus() -> i32 {
    if cfg!(target_os = "linux") { 7 } else { 10 }
}

#[test]
fn disjoint_blocks_in_any_order_are_accepted() {
    // Other writers may lay blocks out in another order than mmf does: swapping
    // two lists' stored forms gives a valid file with the lists swapped.
    let (good, at) = lists_image();
    let (first, third) = (at(&good, 0), at(&good, 2));
    let mut bytes = AlignedBytes::from_slice(&good);
    let a: [u8; 16] = good[first..first + 16].try_into().unwrap();
    let b: [u8; 16] = good[third..third + 16].try_into().unwrap();
    bytes[first..first + 16].copy_from_slice(&b);
    bytes[third..third + 16].copy_from_slice(&a);
    let lists = mmf::from_bytes_owned::<Vec<Vec<u8>>>(&bytes).unwrap();
    assert_eq!(lists, vec![vec![6; 40], vec![4, 5], vec![1, 2, 3]]);
    // An overlap is still found when the blocks come out of order.
    put_u64(&mut bytes, at(&good, 1), u64::from_ne_bytes(b[..8].try_into().unwrap()) + 8);
    let (path, problem) = problem::<Vec<Vec<u8>>>(&bytes);
    assert_eq!(path, "[1]");
    assert!(matches!(problem, Problem::Overlap { .. }), "{problem:?}");
}

/// A file that swaps in a schema of its own, with the hash to match, and
/// claims a layout the later types can read (an evolved layout): its blocks
/// are validated by the schema it claims, so a claim its bytes do not back
/// is refused, and one they do back reads wrong values inside the data at
/// worst, never outside.
#[test]
fn a_hostile_schema_claiming_a_readable_layout_is_validated_by_its_claims() {
    /// The earlier hiking types, but with coordinates claimed 32 bytes long.
    mod wider {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Coord {
            pub x: f64,
            pub y: f64,
            pub z: f64,
            pub w: f64,
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
    let with_schema = |image: &[u8], schema: &[u8]| {
        let mut bytes = image.to_vec();
        bytes.resize(bytes.len().next_multiple_of(8), 0);
        let at = bytes.len() as u64;
        bytes.extend_from_slice(schema);
        put_u64(&mut bytes, 16, mmf::schema::hash_of(schema));
        let end = bytes.len() as u64;
        put_u64(&mut bytes, 32, end);
        put_u64(&mut bytes, 40, at);
        put_u64(&mut bytes, 48, schema.len() as u64);
        AlignedBytes::from_slice(&bytes)
    };
    let good = mmf::to_bytes(&database(2, 3));
    let header = mmf::Header::read(&good).unwrap();
    let image = &good[..header.schema_offset as usize];
    let claimed = with_schema(image, &mmf::schema::encode(wider::HikingDatabase::LAYOUT));
    // The tracks' claimed 3 × 32 bytes run into the blocks after them.
    let err = mmf::Image::<later::HikingDatabase>::new(&claimed).err().expect("refused");
    assert!(err.to_string().contains("overlaps bytes"), "{err}");
    // Claimed 16 bytes apart, the coordinates lie inside the data: read, wrongly.
    mod narrower {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Coord {
            pub x: f64,
            pub z: f64,
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
    let claimed = with_schema(image, &mmf::schema::encode(narrower::HikingDatabase::LAYOUT));
    let read = mmf::Image::<later::HikingDatabase>::new(&claimed).unwrap();
    let track: Vec<(f64, f64, f64)> = read
        .root()
        .hikes()
        .get(0)
        .unwrap()
        .gps_track()
        .iter()
        .map(|c| (c.x(), c.y(), c.z()))
        .collect();
    let real = &database(2, 3).hikes[0].gps_track;
    assert_eq!(track[0], (real[0].x, 0.0, real[0].y), "x, then `z` where `y` is, `y` missing");
    assert_eq!(track.len(), 3);
}

/// No stored type is aligned to more than 16: a schema claiming more is
/// refused, whatever its fields allow.
#[test]
fn a_schema_claiming_a_larger_alignment_than_stored_types_have_is_refused() {
    let mut bytes = mmf::to_bytes(&database(2, 3)).to_vec();
    let header = mmf::Header::read(&bytes).unwrap();
    let schema = header.schema_offset as usize..(header.schema_offset + header.schema_len) as usize;
    // The root's type record follows the schema's 32-byte header; its
    // alignment is the record's last 8 bytes.
    let align_at = schema.start + 32 + 32;
    assert_eq!(bytes[align_at..align_at + 8], 8u64.to_le_bytes());
    put_u64(&mut bytes, align_at, 32);
    let hash = mmf::schema::hash_of(&bytes[schema]);
    put_u64(&mut bytes, 16, hash);
    let bytes = AlignedBytes::from_slice(&bytes);
    let err = mmf::Image::<later::HikingDatabase>::new(&bytes).err().expect("refused");
    assert!(err.to_string().contains("alignment 32 is more than a stored type has (16)"), "{err}");
    assert!(mmf::DynImage::new(&bytes).is_err());
}

/// An image must start where the file's types can be read, even where the
/// program's own types would need less.
#[test]
fn an_older_image_is_refused_in_a_buffer_aligned_for_the_program_but_not_for_the_file() {
    mod wide {
        use mmf::Mapped;
        #[derive(Mapped)]
        pub struct Counter {
            pub count: u64,
            pub total: u128,
        }
    }
    #[derive(Mapped)]
    struct Counter {
        count: u64,
    }
    let bytes = mmf::to_bytes(&wide::Counter { count: 7, total: 1 << 100 });
    let mut shifted = vec![0u8; 8];
    shifted.extend_from_slice(&bytes);
    let shifted = AlignedBytes::from_slice(&shifted);
    let err = mmf::Image::<Counter>::new(&shifted[8..]).err().expect("refused");
    assert!(matches!(err, Error::MisalignedBuffer { align: 16, .. }), "{err}");
    assert_eq!(mmf::Image::<Counter>::new(&bytes).unwrap().root().count(), 7);
}
