"""The Atom feed of releases (`/dumps/feed.atom`): harvesters and feed readers see changes.

One entry per release record of the data, newest first. The entry of the
current release lists the checksum of every file of this export; older
releases keep their date, version and notes (their files are not here).
Dates are the releases' own, so the same input gives the same bytes.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from kb.config import Settings
from kb.publish.distribution import LICENCE_URL, FileInfo, Release, dump_url, public_base
from kb.publish.void import TITLE


def _when(date: str) -> str:
    return f"{date}T00:00:00Z"


def atom_feed(
    settings: Settings, releases: list[Release], files: list[FileInfo], publisher_name: str
) -> bytes:
    public = public_base(settings)
    feed_url = dump_url(settings, "feed.atom")
    updated = _when(releases[0].issued) if releases else "1970-01-01T00:00:00Z"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
        f"  <id>{escape(feed_url)}</id>",
        f"  <title>{escape(TITLE)}: releases</title>",
        f"  <updated>{updated}</updated>",
        f"  <author><name>{escape(publisher_name)}</name></author>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(feed_url)}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(public + "/dumps/")}/>',
        f"  <rights>{escape(LICENCE_URL)}</rights>",
    ]
    for index, release in enumerate(releases):
        lines += [
            "  <entry>",
            f"    <id>{escape(release.iri)}</id>",
            f"    <title>Release {escape(release.version)}</title>",
            f"    <updated>{_when(release.issued)}</updated>",
            f"    <published>{_when(release.issued)}</published>",
            f'    <link rel="related" href={quoteattr(release.iri)}/>',
        ]
        if release.comment:
            lines.append(f"    <summary>{escape(release.comment)}</summary>")
        if index == 0:
            lines.append(
                f'    <link rel="alternate" type="text/html" href={quoteattr(public + "/dumps/")}/>'
            )
            for info in files:
                lines.append(
                    f'    <link rel="enclosure" href={quoteattr(dump_url(settings, info.name))} '
                    f'length="{info.size}" title={quoteattr("sha256:" + info.sha256)}/>'
                )
            sums = "\n".join(f"{info.sha256}  {info.name}" for info in files)
            lines.append(f'    <content type="text">SHA-256\n{escape(sums)}</content>')
        lines.append("  </entry>")
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")
