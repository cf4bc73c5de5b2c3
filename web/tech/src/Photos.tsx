import { useEffect, useState } from 'react';
import type { PhotoCategory } from '../../../src/core/closeout-rules';
import { db, type Photo } from './db';
import { compress, sha256Hex } from './media';

/** The job's photos kept on this phone, read again when the draft's photo list changes. */
export const usePhotos = (jobId: string, ids: string[]) => {
  const [photos, setPhotos] = useState<Photo[]>([]);
  const key = ids.join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read when the draft's photo list changes
  useEffect(() => {
    void db.photos.where('jobId').equals(jobId).toArray().then(setPhotos);
  }, [jobId, key]);
  return photos;
};

/** A photo taken (or picked) on this phone, shrunk and kept for the job until it is uploaded. */
export const keepPhoto = async (jobId: string, category: PhotoCategory, file: Blob): Promise<Photo> => {
  const blob = await compress(file);
  const photo: Photo = {
    id: crypto.randomUUID(),
    jobId,
    category,
    blob,
    sha256: await sha256Hex(blob),
    takenAt: new Date().toISOString(),
  };
  await db.photos.put(photo);
  return photo;
};

/** A photo from the phone's store, described for a screen reader by its category and time. */
export const Thumb = ({ photo }: { photo: Photo }) => {
  const [url, setUrl] = useState('');
  useEffect(() => {
    const u = URL.createObjectURL(photo.blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [photo.blob]);
  return url ? (
    <img
      src={url}
      alt={`${photo.category.replace('_', ' ')}, ${new Date(photo.takenAt).toLocaleTimeString()}`}
      className="thumb"
    />
  ) : null;
};
