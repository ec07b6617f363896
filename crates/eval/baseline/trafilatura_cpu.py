#!/usr/bin/env python3
"""CPU per page of trafilatura on the same development pages as `newshound eval`, and its predictions.

The speed goal of the extractor is a ratio to trafilatura measured on the same machine, so
this runs trafilatura's `bare_extraction` (with metadata, default settings) on every page of
a set, single-threaded, and prints its thread CPU time per page. Needs `pip install
trafilatura lxml_html_clean`; `make eval-baseline` runs it on each set of the development set.
With `--out DIR` it also writes trafilatura's prediction for every page (`DIR/<id>.json` in the
format `score.py --pred` reads), which `newshound eval --baseline DIR` scores on the same
tuning and checking parts as newshound's own.
"""

import argparse
import json
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", required=True, help="directory of <id>.html pages")
    parser.add_argument("--truth", required=True, help="directory of <id>.json (for the url)")
    parser.add_argument("--out", help="write trafilatura's predictions here (<id>.json)")
    args = parser.parse_args()
    try:
        import trafilatura
    except ImportError as err:
        print(f"trafilatura is not installed ({err}): pip install trafilatura lxml_html_clean",
              file=sys.stderr)
        return 2
    names = sorted(n for n in os.listdir(args.pages) if n.endswith(".html"))
    pages = []
    for name in names:
        with open(os.path.join(args.pages, name), "rb") as f:
            html = f.read()
        with open(os.path.join(args.truth, name[:-5] + ".json"), encoding="utf-8") as f:
            url = json.load(f).get("url")
        pages.append((html, url))
    if not pages:
        print(f"no pages in {args.pages}", file=sys.stderr)
        return 2
    trafilatura.bare_extraction(pages[0][0], url=pages[0][1], with_metadata=True)  # warm-up
    start = time.thread_time()
    for html, url in pages:
        trafilatura.bare_extraction(html, url=url, with_metadata=True)
    spent = time.thread_time() - start
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        for name, (html, url) in zip(names, pages):
            doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, as_dict=True) or {}
            author = doc.get("author") or ""
            pred = {
                "body": doc.get("text") or "",
                "title": doc.get("title") or "",
                "authors": [a.strip() for a in author.split(";") if a.strip()],
                "date": doc.get("date"),
            }
            with open(os.path.join(args.out, name[:-5] + ".json"), "w", encoding="utf-8") as f:
                json.dump(pred, f, ensure_ascii=False)
    print(f"trafilatura {trafilatura.__version__}: {len(pages)} pages, "
          f"{spent * 1000 / len(pages):.1f} ms CPU/page (one thread)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
