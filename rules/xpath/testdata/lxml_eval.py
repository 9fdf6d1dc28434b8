#!/usr/bin/env python3
"""Reference evaluator for the differential test of package xpath.

Reads a JSON document from the file named by argv[1]:

    {"files": [{"events": ["<Event ...>...</Event>", ...],
                "queries": [{"q": "*[System[EventID=1]]", "now": 133000000000000000}, ...]}]}

and writes to stdout, for each file, which events lxml (libxml2's XPath 1.0
engine) selects with each query, and which events it could not parse:

    {"files": [{"bad": [3], "bad_msg": "...", "matches": [[0, 5, 7], ...], "errors": []}]}

(bad_msg is the parse error of the first bad event; errors lists the
queries lxml does not compile.)

Windows ignores namespaces in event queries, so every element and attribute
is renamed to its local name and the namespace declarations are dropped
before evaluation. timediff() is registered as an extension function:
timediff(t1[, t2]) = (t2 - t1) / 10000 milliseconds, where a time argument is
a node-set (first node's string value as an ISO 8601 date-time, or else a
decimal/0x integer FILETIME) or a number (a FILETIME), and t2 defaults to the
query's "now" (a FILETIME). band() is not registered: queries with band()
are not compared.
"""

import json
import math
import re
import sys
import datetime

from lxml import etree

NOW = [0]
MAXI64 = (1 << 63) - 1
EPOCH_1601 = datetime.datetime(1601, 1, 1)

ISO = re.compile(r'^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})?$')


def parse_iso(s):
    m = ISO.match(s)
    if not m:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    if h > 23 or mi > 59 or se > 59:
        return None
    try:
        dt = datetime.datetime(y, mo, d, h, mi, se)
    except ValueError:
        return None
    frac = m.group(7) or ''
    ns = int((frac + '000000000')[:9]) if frac else 0
    zone = m.group(8)
    offset = 0
    if zone and zone not in ('Z', 'z'):
        zh, zm = int(zone[1:3]), int(zone[4:6])
        if zh > 23 or zm > 59:
            return None
        offset = zh * 3600 + zm * 60
        if zone[0] == '-':
            offset = -offset
    delta = dt - EPOCH_1601
    secs = delta.days * 86400 + delta.seconds - offset
    if secs < 0:
        return 0
    return secs * 10000000 + ns // 100


def parse_uint(s):
    s = s.strip(' \t\r\n')
    try:
        if len(s) > 2 and s[0] == '0' and s[1] in 'xX':
            if not re.fullmatch(r'[0-9a-fA-F]+', s[2:]):
                return None
            v = int(s[2:], 16)
        else:
            if not re.fullmatch(r'[0-9]+', s):
                return None
            v = int(s)
    except ValueError:
        return None
    if v > MAXI64:
        return None
    return v


def string_value(n):
    if isinstance(n, str):
        return str(n)
    return ''.join(n.itertext())


def to_filetime(arg):
    if isinstance(arg, list):
        if not arg:
            return None
        s = string_value(arg[0])
        ft = parse_iso(s)
        if ft is None:
            ft = parse_uint(s)
        return ft
    if isinstance(arg, bool):
        return None
    if isinstance(arg, float):
        if math.isnan(arg) or arg < 0:
            return None
        if arg >= MAXI64:
            return MAXI64
        return int(arg)
    return None


def timediff(_ctx, a, b=None):
    t1 = to_filetime(a)
    if t1 is None:
        return float('nan')
    t2 = NOW[0] if b is None else to_filetime(b)
    if t2 is None:
        return float('nan')
    return (t2 - t1) / 10000


etree.FunctionNamespace(None)['timediff'] = timediff


def strip_namespaces(root):
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        el.tag = etree.QName(el).localname
        for k in list(el.attrib):
            if k.startswith('{'):
                v = el.attrib.pop(k)
                el.attrib[etree.QName(k).localname] = v
    etree.cleanup_namespaces(root)
    return etree.ElementTree(root)


def main():
    with open(sys.argv[1], 'rb') as f:
        doc = json.load(f)
    parser = etree.XMLParser(recover=False, resolve_entities=False, huge_tree=True)
    out = {'files': []}
    for fl in doc['files']:
        trees, bad, bad_msg = [], [], ''
        for i, x in enumerate(fl['events']):
            try:
                trees.append(strip_namespaces(etree.fromstring(x.encode('utf-8'), parser)))
            except (etree.XMLSyntaxError, ValueError) as e:
                trees.append(None)
                bad.append(i)
                bad_msg = bad_msg or str(e)
        matches, errors = [], []
        for q in fl['queries']:
            NOW[0] = q['now']
            try:
                # lxml evaluates an XPath on a tree from its root element;
                # the query is relative to the document node, so anchor it.
                xp = etree.XPath('/' + q['q'])
            except etree.XPathSyntaxError as e:
                errors.append('%s: %s' % (q['q'], e))
                matches.append([])
                continue
            matches.append([i for i, t in enumerate(trees) if t is not None and len(xp(t)) > 0])
        out['files'].append({'bad': bad, 'bad_msg': bad_msg, 'matches': matches, 'errors': errors})
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
