//! The one article built from the seed page (a real Korea Times article of 2023-01-30).
//!
//! Its truth is this text: headline, sub-headline, byline, Posted/Updated times (Korea time) and the body
//! paragraphs, photo captions excluded.

use chrono::NaiveDateTime;

use crate::content::{email_handle, slugify};
use crate::model::{Article, Block, NORTH_KOREA, Photo};

const TITLE: &str = "NK slams NATO chief's Seoul visit as 'prelude to war'";
const SUBTITLE: &str = "Security grouping becoming conspicuous in Northeast Asia";
const AUTHOR: &str = "Nam Hyun-woo";
const POSTED: &str = "2023-01-30 16:30";
const UPDATED: &str = "2023-01-31 16:31";
const LEAD_CAPTION: &str = "President Yoon Suk Yeol shakes hands with NATO Secretary-General Jens Stoltenberg during the latter's visit to the presidential office in Yongsan District, Seoul, Monday. Courtesy of presidential office";
const MID_CAPTION: &str = "North Korean leader Kim Jong-un shakes hands with Russian President Vladimir Putin during their summit in Vladivostok in this April 25, 2019, file photo. Yonhap";

/// Body paragraphs; the second photo stands after the ninth.
const PARAGRAPHS: &[&str] = &[
    "North Korea criticized North Atlantic Treaty Organization (NATO) Secretary-General Jens Stoltenberg's visit to Seoul, calling it a prelude to war and an attempt to create an Asian version of NATO.",
    "The condemnation was the latest in a series of hostile statements by Pyongyang against the U.S. decision to deliver tanks to Ukraine to assist Kyiv's war with Russia, showing that the North is seeking to benefit from the China-Russia bloc's confrontation against the trilateral security group of South Korea, Japan and the U.S.",
    "The North's official Korean Central News Agency, Monday, carried an article by Kim Tong-myong, a researcher at the North's association of international relations, which claimed that the NATO chief's trips to Seoul and Tokyo are \"a prelude to war and confrontational behavior\" bringing the \"flame of a new Cold War to the Asia-Pacific region.\"",
    "The researcher condemned Stoltenberg as the head of the military organization that turned Ukraine into a \"theater of proxy war\" and said \"his arrival in the Asia-Pacific region, which is out of his operational scope, is raising concerns.\"",
    "Stoltenberg arrived in Seoul on Sunday for a two-day visit, seeking to boost NATO's relations with Asian partners including South Korea and Japan.",
    "The NATO chief was invited to meet with President Yoon Suk Yeol on Monday and discussed expanded cooperation between the two sides in digital and emerging technologies, climate change and defense industries.",
    "During the meeting, Yoon asked Stoltenberg and NATO to play \"active roles\" to deter North Korea's \"reckless provocations.\"",
    "Stoltenberg promised to bolster South Korea-NATO cooperation and lauded the expanding defense industry cooperation between the two sides. The NATO chief invited the South Korean leader to attend July's NATO Summit in Lithuania, and Yoon replied that he will consider it.",
    "The North Korean researcher added that the Ukraine war is entering a new crisis following the U.S.' decision to deliver tanks to Kyiv, and that it is obvious that the NATO chief will coerce South Korea and Japan by talking about Chinese threats in order to call for the necessity of an Asian version of NATO, as well as putting pressure on them to provide weapons to Ukraine.",
    "The North has recently been releasing statements critical of the U.S.' plan to assist Ukraine with tanks.",
    "On Jan. 27, Kim Yo-jong, the sister of North Korean leader Kim Jong-un, said the North will always be \"in the same trench\" with Russia and that the U.S. is exposing the entire European continent to war risks and crossing the red line with the tank issue.",
    "Two days later, Kwon Jong-gun, director-general in charge of U.S. affairs at North Korea's foreign ministry, denied allegations that the regime traded arms with Russia and claimed that \"there would be no Ukraine war if the U.S. did not violate Russia's reasonable safety interests and pursue NATO's assertion in the East.\"",
    "These recent moves are being interpreted as the North's effort to revitalize its relations with Russia to the level of the quasi-alliance it had during the Cold War era.",
    "\"Through the Ukraine war, North Korea seeks to improve Pyongyang-Moscow relations to that of the Cold War-era military alliance,\" said ruling People Power Party Rep. Tae Yong-ho, who is a former North Korean diplomat.",
    "Tae said Russia became passive in providing military equipment to North Korea after the Cold War as Moscow did not need North Korean conventional weapons. However, the rising significance of conventional weapons in the Ukraine war is making Pyongyang an important weapons supplier for Moscow again.",
    "\"The current security dynamics of Northeast Asia is explained as a confrontation between a group of three nuclear states ― North Korea, China and Russia ― and a security bloc consisting of South Korea, the U.S. and Japan, which are relying on the U.S.' nuclear capability,\" Tae said.",
];

fn local(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").ok()
}

/// The seed article; `id` and `related` are filled in by the caller like any other's.
pub fn article() -> Article {
    let photo = |n: usize, caption: &str| Photo {
        src: format!("/images/2023/01/30/nk-slams-nato-{n}.jpg"),
        caption: caption.to_string(),
    };
    let mut blocks: Vec<Block> = PARAGRAPHS
        .iter()
        .map(|p| Block::Para((*p).to_string()))
        .collect();
    blocks.insert(9, Block::Figure(photo(2, MID_CAPTION)));
    let published = local(POSTED).unwrap_or_default();
    Article {
        id: 0,
        section: NORTH_KOREA,
        sub: None,
        title: TITLE.to_string(),
        kicker: None,
        subtitle: Some(SUBTITLE.to_string()),
        authors: vec![AUTHOR.to_string()],
        email: format!("{}@seoulcourier.example", email_handle(AUTHOR)),
        published,
        updated: local(UPDATED),
        filed: published.date(),
        revision: 1,
        published_ms: None,
        updated_ms: None,
        slug: slugify(TITLE),
        lead: Some(photo(1, LEAD_CAPTION)),
        blocks,
        related: Vec::new(),
        jsonld_author: false,
        jsonld_modified: false,
        comments: 37,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_times_parse() {
        assert!(super::local(super::POSTED).is_some());
        assert!(super::local(super::UPDATED).is_some());
    }
}
