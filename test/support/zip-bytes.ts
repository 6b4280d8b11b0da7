import zlib from 'node:zlib';

/**
 * A one-part ZIP archive built by hand, whose part declares `declared`
 * uncompressed bytes: a bomb when the data inflates far beyond what the
 * reader allows, a liar when `declared` is smaller than the data. Written
 * out byte by byte because a ZIP library would refuse to write such files.
 */
export function zipOf(data: Buffer, declared = data.length, name = 'xl/worksheets/sheet1.xml'): Buffer {
  const fileName = Buffer.from(name);
  const packed = zlib.deflateRawSync(data, { level: 9 });
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(packed.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(fileName.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + fileName.length, 12);
  end.writeUInt32LE(30 + fileName.length + packed.length, 16);
  return Buffer.concat([local, fileName, packed, central, fileName, end]);
}
