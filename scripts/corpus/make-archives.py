"""Archives and containers for the corpus sweep: python3 make-archives.py <out-dir> <office-fixtures-dir>."""
import bz2
import gzip
import io
import lzma
import marshal
import os
import pickle
import sqlite3
import sys
import tarfile
import zipfile

out, office = sys.argv[1], sys.argv[2]
readme = os.path.join(office, 'readme.txt')
text = open(readme, 'rb').read()


def path(name):
    return os.path.join(out, name)


def write(name, data):
    with open(path(name), 'wb') as f:
        f.write(data)


def make_zip(name, entries, **kw):
    with zipfile.ZipFile(path(name), 'w', zipfile.ZIP_DEFLATED, **kw) as z:
        for entry, data in entries:
            z.writestr(entry, data)


make_zip('plain.zip', [('readme.txt', text), ('dir/more.txt', text * 10)])
make_zip('empty.zip', [])
make_zip('nested.zip', [('inner.zip', open(path('plain.zip'), 'rb').read())])
make_zip('with-exe.zip', [('run.exe', b'MZ' + bytes(200)), ('readme.txt', text)])
make_zip('jar-like.jar', [('META-INF/MANIFEST.MF', b'Manifest-Version: 1.0\r\nMain-Class: A\r\n'), ('A.class', bytes.fromhex('cafebabe00000034') + bytes(64))])
make_zip('apk-like.apk', [('AndroidManifest.xml', bytes(64)), ('classes.dex', b'dex\n035\x00' + bytes(100))])
make_zip('wheel-like.whl', [('pkg/__init__.py', b'x = 1\n'), ('pkg-1.0.dist-info/WHEEL', b'Wheel-Version: 1.0\n')])
with zipfile.ZipFile(path('zip64.zip'), 'w') as z:
    with z.open('big.txt', 'w', force_zip64=True) as f:
        f.write(text)
# An executable with a zip appended (a self-extractor shape): the ELF/PE magic comes first.
write('sfx.zip', b'MZ' + bytes(58) + (64).to_bytes(4, 'little') + b'PE\x00\x00' + bytes(200) + open(path('plain.zip'), 'rb').read())

# OOXML with macros, from the committed docx.
with zipfile.ZipFile(os.path.join(office, 'report.docx')) as zin, zipfile.ZipFile(path('macro.docm'), 'w', zipfile.ZIP_DEFLATED) as zout:
    for info in zin.infolist():
        zout.writestr(info, zin.read(info.filename))
    zout.writestr('word/vbaProject.bin', os.urandom(4096))

for mode, name in [('w', 'archive.tar'), ('w:gz', 'archive.tar.gz'), ('w:gz', 'archive.tgz'), ('w:bz2', 'archive.tar.bz2'), ('w:xz', 'archive.tar.xz')]:
    with tarfile.open(path(name), mode) as t:
        t.add(readme, arcname='readme.txt')
        t.add(office, arcname='office')

write('readme.txt.gz', gzip.compress(text))
write('readme.gz', gzip.compress(text))
write('readme.bz2', bz2.compress(text))
write('readme.xz', lzma.compress(text))
write('readme.lzma', lzma.compress(text, format=lzma.FORMAT_ALONE))
write('data.pickle', pickle.dumps({'a': [1, 2, 3], 'b': 'text'}))
write('code.pyc', b'\xa7\x0d\x0d\x0a' + bytes(12) + marshal.dumps(compile('print(1)', 'x', 'exec')))

db = sqlite3.connect(path('catalog.sqlite'))
db.execute('create table t (a, b)')
db.executemany('insert into t values (?, ?)', [(i, 'row %d' % i) for i in range(500)])
db.commit()
db.close()

# The smallest valid WebAssembly module (magic and version), plus an empty type section.
write('module.wasm', b'\x00asm\x01\x00\x00\x00\x01\x01\x00')
