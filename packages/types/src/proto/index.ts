export const placeholderProto = 1;
