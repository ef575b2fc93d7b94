#!/usr/bin/env python3
"""Parse AWS Service Authorization Reference pages (as vendored by salesforce/policy_sentry under
policy_sentry/shared/data/docs/list_*.html) into test/fixtures/iam/service-authorization.json's shape.

Follows policy_sentry/shared/awsdocs.py create_database (same table walk, rowspan handling, "[permission only]"
marker); `apis` is the page the action's link names (API_PutBucketEncryption.html -> PutBucketEncryption), as in
the rest of the fixture. Checked: for kms, logs, s3, sqs it reproduces the fixture's entries exactly.
Needs beautifulsoup4. Usage: service-authorization.py list_awsglue.html ... > services.json
"""
import json
import re
import sys

from bs4 import BeautifulSoup


def chomp(s):
    return " ".join(str(s).split())


def header_matches(text, table):
    return any(text in chomp(str(th)).lower() for th in table.find_all("th"))


def parse(path):
    soup = BeautifulSoup(open(path, encoding="utf-8").read(), "html.parser")
    main = soup.find(id="main-content")
    title = main.find("h1", class_="topictitle")
    prefix = ""
    for child in title.parent.children:
        if "prefix" in str(child):
            prefix = chomp(str(child).split('<code class="code">')[1].split("</code>")[0])
            break
    actions, resources = {}, {}
    tables = main.find_all("div", class_="table-contents")
    for table in tables:
        if not header_matches("actions", table) or not header_matches("description", table):
            continue
        rows = table.find_all("tr")
        i = 0
        while i < len(rows):
            cells = rows[i].find_all("td")
            if not cells:
                i += 1
                continue
            if len(cells) != 6:
                break
            rowspan = int(cells[0].attrs.get("rowspan", 1))
            priv, link = "", None
            for a in cells[0].find_all("a"):
                if "href" in a.attrs:
                    link, priv = a.attrs["href"], chomp(a.text)
            if priv == "":
                priv = chomp(cells[0].text)
            permission_only = "[permission only]" in chomp(cells[0].text)
            access = chomp(cells[2].text)
            entries, first = [], 3
            while rowspan > 0:
                resource_type = chomp(cells[first].text)
                keys = cells[first + 1]
                conditions = [chomp(p.text) for p in keys.find_all("p")] if keys.text != "" else []
                deps_cell, dependent = cells[first + 2], []
                if deps_cell.text != "":
                    for p in deps_cell.find_all("p"):
                        service, name = chomp(p.text).split(":")
                        dependent.append(f"{service.lower()}:{name}")
                entries.append({"conditions": conditions, "dependent": dependent,
                                "types": [resource_type] if resource_type else []})
                rowspan -= 1
                if rowspan > 0:
                    i += 1
                    first = 0
                    cells = rows[i].find_all("td")
            priv = priv.split(" ", 1)[0]
            api = re.sub(r"\.html.*$", "", link.rsplit("/", 1)[-1]) if link else priv
            actions[priv] = {"access": access, "apis": [re.sub(r"^API_", "", api)],
                             "permissionOnly": permission_only, "resources": entries}
            i += 1
    for table in tables:
        if not header_matches("resource types", table) or not header_matches("arn", table):
            continue
        for row in table.find_all("tr"):
            cells = row.find_all("td")
            if cells:
                resources[chomp(cells[0].text)] = "".join(cells[1].text.split())
    return prefix, {"actions": actions, "resources": resources}


if __name__ == "__main__":
    services = dict(parse(p) for p in sys.argv[1:])
    json.dump(services, sys.stdout, indent=0, sort_keys=True)
