export * from './process.js';
export * from './paths.js';
export * from './http.js';
export * from './django.js';
export * from './reflex.js';
export * from './vite.js';
export * from './proxy.js';
export * from './project.js';
