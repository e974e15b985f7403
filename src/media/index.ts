// The media layer: read a video file, decode its frames, convert them for the
// network, encode and mux the restored frames into an MP4 with the original
// audio. See docs/media.md. Import from here ('../media').
export { probeVideo, assertCanProcess, type VideoFacts, type AudioFacts, type ProbeOptions } from './probe';
export { decodeFrames, type DecodedFrame, type FrameSourceOptions } from './frame-source';
export { createMp4Writer, type Mp4Writer, type Mp4WriterOptions, type Mp4Result, type AudioOutcome } from './mp4-writer';
export { FrameConverter, rgbaToRgbFloat, rgbFloatToRgba, rgbaToVideoFrame, type RgbImage, type ToRgbOptions } from './frame-convert';
export {
  chooseVideoCodec,
  planAudio,
  codecName,
  defaultVideoBitrate,
  VIDEO_CODEC_PREFERENCE,
  MP4_COPYABLE_AUDIO,
  type OutputVideoCodec,
  type AudioPlan,
  type VideoCodecChoice,
  type CanEncodeVideo,
} from './codec-choice';
export {
  MediaError,
  NotAVideoError,
  CorruptFileError,
  UnsupportedCodecError,
  NoVideoTrackError,
  ZeroFramesError,
  ResolutionTooLargeError,
  EncodeError,
  DiskFullError,
  CancelledError,
  MediaProcessingError,
  toUserError,
  isAbortError,
  fitResolution,
  checkResolution,
  type MediaErrorCode,
  type MediaUserError,
  type ResolutionLimit,
  type ToUserErrorContext,
  type Size,
} from './errors';
export { ByteCollector } from './byte-collector';
export { createOutputFile, type OutputFile } from './output-file';
