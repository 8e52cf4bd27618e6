package io.statestore.mapdb;

import java.io.File;
import java.nio.ByteBuffer;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/** A MapDB {@link Volume} that passes every call to another one; subclasses change what they must. */
class ForwardingVolume extends Volume {

    final Volume delegate;

    ForwardingVolume(Volume delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }

    @Override
    public void ensureAvailable(long offset) {
        delegate.ensureAvailable(offset);
    }

    @Override
    public void truncate(long size) {
        delegate.truncate(size);
    }

    @Override
    public void putLong(long offset, long value) {
        delegate.putLong(offset, value);
    }

    @Override
    public void putInt(long offset, int value) {
        delegate.putInt(offset, value);
    }

    @Override
    public void putByte(long offset, byte value) {
        delegate.putByte(offset, value);
    }

    @Override
    public void putData(long offset, byte[] src, int srcPos, int srcSize) {
        delegate.putData(offset, src, srcPos, srcSize);
    }

    @Override
    public void putData(long offset, ByteBuffer buf) {
        delegate.putData(offset, buf);
    }

    @Override
    public void putDataOverlap(long offset, byte[] src, int srcPos, int srcSize) {
        delegate.putDataOverlap(offset, src, srcPos, srcSize);
    }

    @Override
    public long getLong(long offset) {
        return delegate.getLong(offset);
    }

    @Override
    public int getInt(long offset) {
        return delegate.getInt(offset);
    }

    @Override
    public byte getByte(long offset) {
        return delegate.getByte(offset);
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        return delegate.getDataInput(offset, size);
    }

    @Override
    public DataInput2 getDataInputOverlap(long offset, int size) {
        return delegate.getDataInputOverlap(offset, size);
    }

    @Override
    public void getData(long offset, byte[] bytes, int bytesPos, int size) {
        delegate.getData(offset, bytes, bytesPos, size);
    }

    @Override
    public void clear(long startOffset, long endOffset) {
        delegate.clear(startOffset, endOffset);
    }

    @Override
    public void clearOverlap(long startOffset, long endOffset) {
        delegate.clearOverlap(startOffset, endOffset);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void sync() {
        delegate.sync();
    }

    @Override
    public int sliceSize() {
        return delegate.sliceSize();
    }

    @Override
    public void deleteFile() {
        delegate.deleteFile();
    }

    @Override
    public boolean isSliced() {
        return delegate.isSliced();
    }

    @Override
    public long length() {
        return delegate.length();
    }

    @Override
    public boolean isReadOnly() {
        return delegate.isReadOnly();
    }

    @Override
    public File getFile() {
        return delegate.getFile();
    }

    @Override
    public boolean getFileLocked() {
        return delegate.getFileLocked();
    }

    @Override
    public boolean fileLoad() {
        return delegate.fileLoad();
    }
}
