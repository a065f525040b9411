# The mastoflow worker image. TypeScript runs through tsx (a runtime dependency); the only build
# steps are the two bundles below, made by the same code the worker runs when they are missing.
FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc gives each thread its own malloc arena and keeps what the map threads freed after they
# exit; one arena lets the reduce reuse that memory. Measured peak RSS of a 1M-status day
# (npm run bench:mapreduce): 521 MB with glibc's default, 468 MB with two arenas; with four-segment
# map parts two arenas gave 496-521 MB and one 480-492 MB, at no cost in CPU the bench could see.
ENV MALLOC_ARENA_MAX=1
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
RUN mkdir -p /data && chown node:node /data
# The workflow bundle and the map threads' bundle, built once into the image (.cache/) instead
# of at every container start.
RUN node --import tsx runtime/build-workflow-bundle.ts && node --import tsx runtime/build-thread-bundles.ts
USER node
# SIGTERM from `docker compose stop` lets the worker finish in-flight tasks (stop_grace_period).
CMD ["node", "bin/mastoflow.js", "worker", "--store"]
