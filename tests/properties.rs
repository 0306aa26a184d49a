//! Property tests (proptest) for the rich schema: round trips through bytes and
//! files, single-byte corruption and truncation of valid encodings.

mod common;

use common::fuzz::{check, everything_from};
use common::{Everything, temp_dir};
use mmf::{AlignedBytes, MappedFile, MappedFileMut, SharedReader, SharedWriter};
use proptest::prelude::*;

fn values() -> impl Strategy<Value = Everything> {
    proptest::collection::vec(any::<u8>(), 0..600).prop_map(|bytes| everything_from(&bytes))
}

proptest! {
    #![proptest_config(common::proptest_config(64))]

    /// Compared as bytes, since a generated float may be a NaN.
    #[test]
    fn any_value_round_trips_through_bytes(value in values()) {
        let bytes = mmf::to_bytes(&value);
        let back: Everything = mmf::from_bytes_owned(&bytes).unwrap();
        prop_assert_eq!(&mmf::to_bytes(&back)[..], &bytes[..]);
    }

    #[test]
    #[cfg_attr(miri, ignore = "touches files")]
    fn any_value_round_trips_through_a_file(value in values()) {
        let tmp = temp_dir("prop-file");
    let dir = tmp.path();
        let path = dir.join("value.mmf");
        drop(MappedFileMut::create(&path, &value).unwrap());
        let back = MappedFile::<Everything>::open(&path).unwrap().to_owned();
        prop_assert_eq!(&mmf::to_bytes(&back)[..], &mmf::to_bytes(&value)[..]);
        prop_assert_eq!(std::fs::read(&path).unwrap(), mmf::to_bytes(&value).to_vec());
    }

    /// Versions that share most of their content (each one edit of the input
    /// the last was built from), published one after the other: readers and a
    /// later open see each exactly, reusing unchanged blocks never mixes them up.
    #[test]
    #[cfg_attr(miri, ignore = "touches files")]
    fn published_versions_read_back_exactly(
        input in proptest::collection::vec(any::<u8>(), 0..600),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let tmp = temp_dir("prop-publish");
    let dir = tmp.path();
        let path = dir.join("versions.mmf");
        let mut input = input;
        let mut writer = SharedWriter::create(&path, &everything_from(&input)).unwrap();
        writer.sync_on_publish(false);
        let mut reader = SharedReader::<Everything>::open(&path).unwrap();
        for (at, byte) in edits {
            if !input.is_empty() {
                let at = at.index(input.len());
                input[at] = byte;
            }
            input.push(byte);
            let value = everything_from(&input);
            writer.publish(&value).unwrap();
            let back = reader.read(|root| root.to_owned()).unwrap();
            prop_assert_eq!(&mmf::to_bytes(&back)[..], &mmf::to_bytes(&value)[..]);
            let reopened = MappedFile::<Everything>::open(&path).unwrap().to_owned();
            prop_assert_eq!(&mmf::to_bytes(&reopened)[..], &mmf::to_bytes(&value)[..]);
        }
    }

    /// Every single-byte change of a valid encoding, at every offset: `Ok` with
    /// views that traverse and rebuild, or `Err`.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for Miri")]
    fn every_single_byte_corruption_is_ok_or_err(value in values(), replacement in any::<u8>(), flip in 0u8..8) {
        let good = mmf::to_bytes(&value);
        let mut bytes = AlignedBytes::from_slice(&good);
        for i in 0..bytes.len() {
            let original = bytes[i];
            bytes[i] = if original == replacement { original ^ (1 << flip) } else { replacement };
            check::<Everything>(&bytes, None);
            bytes[i] = original;
        }
    }

    #[test]
    fn every_truncation_is_refused(value in values(), cut in any::<prop::sample::Index>()) {
        let good = mmf::to_bytes(&value);
        let cut = cut.index(good.len());
        prop_assert!(mmf::from_bytes::<Everything>(&AlignedBytes::from_slice(&good[..cut])).is_err());
    }
}

/// An earlier-version hiking database built from arbitrary bytes: finite
/// coordinates, so that values compare with `==`.
fn databases() -> impl Strategy<Value = common::HikingDatabase> {
    let coord = (any::<i16>(), any::<i16>(), any::<u16>()).prop_map(|(x, y, z)| common::Coord {
        x: f64::from(x) / 8.0,
        y: f64::from(y) / 8.0,
        z: f64::from(z),
    });
    let hike = (".{0,12}", ".{0,12}", proptest::collection::vec(coord, 0..40))
        .prop_map(|(date, description, gps_track)| common::Hike { date, description, gps_track });
    (".{0,20}", proptest::collection::vec(hike, 0..6))
        .prop_map(|(description, hikes)| common::HikingDatabase { description, hikes })
}

proptest! {
    #![proptest_config(common::proptest_config(64))]

    /// Files of one version read by the other, both ways, through views and
    /// owned values, compared with what each version should see.
    #[test]
    fn each_version_reads_the_others_files(earlier in databases(), ratings in any::<u8>()) {
        use common::later;
        let bytes = mmf::to_bytes(&earlier);
        let image = mmf::Image::<later::HikingDatabase>::new(&bytes).unwrap();
        let expected = later::HikingDatabase::from_earlier(&earlier);
        prop_assert_eq!(&image.to_owned(), &expected);
        for (hike, want) in image.root().hikes().iter().zip(&expected.hikes) {
            prop_assert_eq!(hike.day(), want.day.as_str());
            let zs: Vec<f64> = hike.gps_track().iter().map(|c| c.z()).collect();
            prop_assert_eq!(zs, want.gps_track.iter().map(|c| c.z).collect::<Vec<_>>());
        }

        let mut newer = expected;
        for (i, hike) in newer.hikes.iter_mut().enumerate() {
            hike.rating = ratings.wrapping_add(i as u8);
            hike.summit = hike.gps_track.last().cloned();
            hike.gps_track.iter_mut().for_each(|c| c.t = u32::from(ratings) * 7);
        }
        let bytes = mmf::to_bytes(&newer);
        let image = mmf::Image::<common::HikingDatabase>::new(&bytes).unwrap();
        prop_assert_eq!(image.to_owned(), newer.to_earlier());
    }

    /// Every single-byte change of an earlier version's image, the schema's
    /// bytes included, with the header's hash made to agree with whatever
    /// schema results (a hostile file that claims a compatible schema):
    /// opened with the later types, `Ok` with views that traverse and
    /// rebuild, or `Err`.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for Miri")]
    fn every_single_byte_corruption_of_another_version_is_ok_or_err(
        earlier in databases(), replacement in any::<u8>(), flip in 0u8..8,
    ) {
        let good = mmf::to_bytes(&earlier);
        let mut bytes = good.to_vec();
        for i in 0..bytes.len() {
            let original = bytes[i];
            bytes[i] = if original == replacement { original ^ (1 << flip) } else { replacement };
            common::fuzz::check_other_version::<common::later::HikingDatabase>(&bytes, Some(common::fuzz::set_database));
            bytes[i] = original;
        }
    }
}
