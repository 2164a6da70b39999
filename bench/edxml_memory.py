"""How much memory reading a large edXML packet takes: peak growth against the packet's size.

    python bench/edxml_memory.py [--mb 30] [--mb 36]

(from the project root; no database needed, a few seconds per size)

For each size, a document packet with one attachment of that many MB of random bytes (so it does
not compress: the packet is ~1.37x the file, base64) is written by the real writer and signed.
Then, each in a fresh process holding only the packet's bytes, one step is run and the growth of
the process's peak resident memory over what was resident before is measured (Linux: the peak,
VmHWM, reset through /proc/self/clear_refs):

- ``parse``: the header, the attachment listed (streamed past, never held);
- ``read_attachments``: the file itself decoded and unzipped (the result, the file, is held:
  the floor is 1x the file);
- ``verify_packet``: the signature (signxml needs the whole tree: not flat, shown for scale).

Printed as ratios of the packet's size. "Flat" means parse stays near 0 and read_attachments
near file/packet (~0.73). A measurement to read, never a pass/fail.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from interagency.edxml.reader import parse, read_attachments
from interagency.edxml.signatures import verify_packet


def kilobytes(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit("no " + field)


data = Path({packet!r}).read_bytes()
roots = [Path({roots!r}).read_bytes()]
Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from what is resident now
before = kilobytes("VmRSS")
step = {step!r}
if step == "parse":
    parse(data)
elif step == "read_attachments":
    files = read_attachments(data)
    assert not files[0].broken
else:
    assert verify_packet(data, trust_roots_pem=roots).state == "valid"
print((kilobytes("VmHWM") - before) * 1024)
"""
STEPS = ("parse", "read_attachments", "verify_packet")


def _packet(megabytes: int, directory: Path) -> tuple[Path, Path, int]:
    from interagency.edxml.certificates import generate_authority, issue_certificate
    from interagency.edxml.packets import Attachment
    from interagency.edxml.signatures import sign_packet
    from interagency.edxml.tests.factories import DocumentPacketFactory
    from interagency.edxml.writer import build

    key, cert = generate_authority("Bench CA")
    packet = DocumentPacketFactory.build(
        attachments=(Attachment(content_id="1", name="scan.pdf", data=os.urandom(megabytes * 1024 * 1024)),)
    )
    signer = issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=packet.sender.organ_id, org_name="Bench"
    )
    data = build(packet, sign=partial(sign_packet, key_pem=signer[0], cert_pem=signer[1]))
    path, roots = directory / f"packet-{megabytes}.edxml", directory / "roots.pem"
    path.write_bytes(data)
    roots.write_bytes(cert)
    return path, roots, len(data)


def _growth(step: str, packet: Path, roots: Path) -> int:
    code = CHILD.format(root=str(ROOT), packet=str(packet), roots=str(roots), step=step)
    done = subprocess.run(  # our own interpreter on our own snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=int, action="append", help="attachment size in MB (repeatable)")
    sizes = parser.parse_args().mb or [30, 36]  # 36 MB: about the largest a 50 MB packet carries
    mb = 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="edxml-memory-") as directory:
        for size in sizes:
            packet, roots, length = _packet(size, Path(directory))
            print(f"attachment {size} MB of random bytes, packet {length / mb:.1f} MB")
            for step in STEPS:
                growth = _growth(step, packet, roots)
                print(f"  {step:<17} peak growth {growth / mb:7.1f} MB = {growth / length:5.2f}x the packet")


if __name__ == "__main__":
    main()
